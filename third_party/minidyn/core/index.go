package core

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/truora/minidyn/types"
)

type indexType string

const (
	indexTypeGlobal indexType = "global"
	indexTypeLocal  indexType = "local"
)

type index struct {
	keySchema keySchema
	// entries holds one entry per item in the index, sorted by index key and
	// then by primary key: the order a search reads them in.
	entries    []indexEntry
	typ        indexType
	projection *types.Projection
	Table      *Table
	refs       map[string]string // primary key -> index key of each entry
	createdAt  time.Time
}

type indexEntry struct {
	indexKey string
	key      string // the item's primary key
}

func compareIndexEntries(a, b indexEntry) int {
	return cmp.Or(strings.Compare(a.indexKey, b.indexKey), strings.Compare(a.key, b.key))
}

func newIndex(t *Table, typ indexType, ks keySchema) *index {
	ks.Secondary = true

	return &index{
		keySchema: ks,
		entries:   []indexEntry{},
		typ:       typ,
		Table:     t,
		refs:      map[string]string{},
	}
}

func (i *index) Clear() {
	i.entries = []indexEntry{}
	i.refs = map[string]string{}
}

type indexSnapshot struct {
	entries []indexEntry
	refs    map[string]string
}

func (i *index) snapshot() indexSnapshot {
	refs := make(map[string]string, len(i.refs))
	maps.Copy(refs, i.refs)

	return indexSnapshot{entries: slices.Clone(i.entries), refs: refs}
}

func (i *index) restore(s indexSnapshot) {
	i.entries = s.entries
	i.refs = s.refs
}

// ProjectItem returns the attributes visible through this index's projection (ALL, KEYS_ONLY, INCLUDE).
// For ALL or unknown types, it returns a full shallow copy of the item.
func (i *index) ProjectItem(item map[string]*types.Item) map[string]*types.Item {
	if i == nil || i.projection == nil {
		return copyItem(item)
	}

	pt := ""
	if i.projection.ProjectionType != nil {
		pt = *i.projection.ProjectionType
	}

	switch pt {
	case "", "ALL":
		return copyItem(item)
	case "KEYS_ONLY":
		return i.projectKeysOnly(item)
	case "INCLUDE":
		return i.projectInclude(item)
	default:
		return copyItem(item)
	}
}

func (i *index) projectKeysOnly(item map[string]*types.Item) map[string]*types.Item {
	out := make(map[string]*types.Item)
	maps.Copy(out, i.Table.KeySchema.getKeyItem(item))
	maps.Copy(out, i.keySchema.getKeyItem(item))

	return out
}

func (i *index) projectInclude(item map[string]*types.Item) map[string]*types.Item {
	out := i.projectKeysOnly(item)

	for _, namePtr := range i.projection.NonKeyAttributes {
		if namePtr == nil {
			continue
		}

		name := *namePtr
		if v, ok := item[name]; ok {
			out[name] = v
		}
	}

	return out
}

// putData indexes item, stored under the primary key key, in place of what
// the index held for that key. An item without the index's key attributes is
// not in the index (indexes are sparse).
func (i *index) putData(key string, item map[string]*types.Item) error {
	indexKey, err := i.keySchema.GetKey(i.Table.AttributesDef, item)
	if err != nil {
		return err
	}

	if old, exists := i.refs[key]; exists && old == indexKey {
		return nil
	}

	i.remove(key)

	if indexKey == "" {
		return nil
	}

	i.refs[key] = indexKey
	entry := indexEntry{indexKey: indexKey, key: key}
	pos, _ := slices.BinarySearchFunc(i.entries, entry, compareIndexEntries)
	i.entries = slices.Insert(i.entries, pos, entry)

	return nil
}

// insertSorted inserts key into the sorted slice keys at its place, by binary
// search: sorting all keys again on every write made writes slower the more
// keys a table held.
func insertSorted(keys []string, key string) []string {
	pos, _ := slices.BinarySearch(keys, key)

	return slices.Insert(keys, pos, key)
}

func (i *index) updateData(key string, item, oldItem map[string]*types.Item) error {
	return i.putData(key, item)
}

func (i *index) delete(key string, item map[string]*types.Item) error {
	i.remove(key)

	return nil
}

// remove takes the entry of the primary key key out of the index.
func (i *index) remove(key string) {
	indexKey, exists := i.refs[key]
	if !exists {
		return
	}

	delete(i.refs, key)

	if pos, found := slices.BinarySearchFunc(i.entries, indexEntry{indexKey: indexKey, key: key}, compareIndexEntries); found {
		i.entries = slices.Delete(i.entries, pos, pos+1)
	}
}

// keys returns the primary keys of the entries in [lo, hi), in index order.
func (i *index) keys(lo, hi int) []string {
	keys := make([]string, 0, hi-lo)
	for _, e := range i.entries[lo:hi] {
		keys = append(keys, e.key)
	}

	return keys
}

func (i *index) count() int64 {
	return int64(len(i.entries))
}
