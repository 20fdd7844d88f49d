package dynamo

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// plainBodies passes each request to next with a body that can only be read
// and closed.
//
// The SDK closes a request's body as soon as the response is in, while
// net/http may still be finishing the request: having sent the body, its
// writer copies what is left of it, which it expects to be nothing. The
// SDK's body offers WriteTo, and once closed its WriteTo answers io.EOF,
// which net/http takes for an error: it closes the connection under the
// response being read, and the SDK sends the request again. For a
// conditional write that was applied, the second attempt fails its
// condition, and a lesson that was created answers lesson_exists. Read on
// the closed body answers io.EOF too, which is the end of a copy and no
// error, so hiding WriteTo leaves nothing to race.
type plainBodies struct{ next dynamodb.HTTPClient }

func (c plainBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return c.next.Do(r)
}
