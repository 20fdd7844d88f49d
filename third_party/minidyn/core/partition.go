package core

import (
	"fmt"
	"sort"
	"strings"

	"github.com/truora/minidyn/interpreter/language"
	"github.com/truora/minidyn/types"
)

// searchPartition returns the keys a Query must visit when its key condition
// requires the hash key to equal one value: those that start with key (the
// hash key and the separator), or, when the schema has no range key, those
// that equal key. ok is false when the search has to visit every key: a Scan,
// a condition it cannot read, or a number hash key (numbers are equal by value,
// not by spelling).
//
// The search still evaluates the key condition on each item it visits; this
// only spares it the items of other partitions, so that a Query costs what it
// reads, not what the table holds.
func searchPartition(ks keySchema, attrs map[string]string, input QueryInput) (key string, prefix, ok bool) {
	if input.Scan || input.KeyConditionExpression == "" {
		return "", false, false
	}

	typ := attrs[ks.HashKey]
	if typ != "S" && typ != "B" {
		return "", false, false
	}

	p := language.NewParser(language.NewLexer(input.KeyConditionExpression))

	cond := p.ParseConditionalExpression()
	if len(p.Errors()) != 0 || cond.Expression == nil {
		return "", false, false
	}

	name, found := equalityValue(cond.Expression, ks.HashKey, input.Aliases)
	if !found {
		return "", false, false
	}

	value, found := input.ExpressionAttributeValues[name]
	if !found {
		return "", false, false
	}

	hash, err := getItemValue(map[string]*types.Item{ks.HashKey: value}, ks.HashKey, typ)
	if err != nil {
		return "", false, false
	}

	// The same spelling as keySchema.getKeyValue.
	key = fmt.Sprintf("%v", hash)
	if ks.RangeKey == "" {
		return key, false, true
	}

	return key + ".", true, true
}

// equalityValue returns the expression attribute value (":v") that expr
// requires attribute attr to equal, through conjunctions: attr = :v, or
// attr = :v AND ...
func equalityValue(expr language.Expression, attr string, aliases map[string]string) (string, bool) {
	infix, ok := expr.(*language.InfixExpression)
	if !ok {
		return "", false
	}

	switch infix.Operator {
	case "AND":
		if name, ok := equalityValue(infix.Left, attr, aliases); ok {
			return name, true
		}

		return equalityValue(infix.Right, attr, aliases)
	case "=":
		left, lok := infix.Left.(*language.Identifier)
		right, rok := infix.Right.(*language.Identifier)

		if !lok || !rok {
			return "", false
		}

		switch {
		case namesAttribute(left, attr, aliases) && isValueName(right):
			return right.Value, true
		case namesAttribute(right, attr, aliases) && isValueName(left):
			return left.Value, true
		}
	}

	return "", false
}

func namesAttribute(id *language.Identifier, attr string, aliases map[string]string) bool {
	name := id.Value
	if alias, ok := aliases[name]; ok {
		name = alias
	}

	return name == attr
}

func isValueName(id *language.Identifier) bool {
	return strings.HasPrefix(id.Value, ":")
}

// keyRange returns the bounds [lo, hi) of the keys, sorted, of the n that at
// returns, that equal key, or that start with key when prefix is set.
func keyRange(n int, at func(int) string, key string, prefix bool) (lo, hi int) {
	lo = sort.Search(n, func(i int) bool { return at(i) >= key })
	hi = lo + sort.Search(n-lo, func(i int) bool {
		if prefix {
			return !strings.HasPrefix(at(lo+i), key)
		}

		return at(lo+i) != key
	})

	return lo, hi
}
