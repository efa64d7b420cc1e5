package httpx

import (
	"testing"
)

// FuzzFastLaneAnswersAsNetHTTP sends arbitrary bytes to a server with
// fast-lane routes and to the same routes on plain net/http: the answers
// must be the same, whatever the lane serves or hands over.
func FuzzFastLaneAnswersAsNetHTTP(f *testing.F) {
	for _, raw := range laneCases {
		f.Add([]byte(raw))
	}
	fast, plain := lanePair(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		sameAnswers(t, fast, plain, raw)
	})
}
