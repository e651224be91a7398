package generated

import (
	"bytes"
	"encoding/hex"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
)

// The values of plain String, enum and ID leaves (graph/gqlgen/leaves.go
// writes the raw marshal functions to call these instead of gqlgen's).
// They write exactly what gqlgen's MarshalString and MarshalUUID write; they
// differ in how: the executor writes into a bytes.Buffer, so a string that
// needs no escaping (nearly all) is written at once after one scan of its
// bytes instead of rune by rune through io.Writer, and an id is formatted on
// the stack instead of into a new string. A leaf is one small allocation (its
// value boxed) instead of two or three.

type jsonString string

func marshalString(s string) graphql.Marshaler { return jsonString(s) }

func (s jsonString) MarshalGQL(w io.Writer) {
	if b, ok := w.(*bytes.Buffer); ok && plainJSON(string(s)) {
		b.Grow(len(s) + 2)
		b.WriteByte('"')
		b.WriteString(string(s))
		b.WriteByte('"')
		return
	}
	graphql.MarshalString(string(s)).MarshalGQL(w) // escapes as gqlgen does
}

// plainJSON reports whether s needs no escaping in a JSON string: no control
// character, quote or backslash (bytes of multi-byte UTF-8 are all ≥ 0x80).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

type jsonUUID uuid.UUID

func marshalUUID(id uuid.UUID) graphql.Marshaler {
	if id == uuid.Nil {
		return graphql.Null // as gqlgen: a zero id is no id
	}
	return jsonUUID(id)
}

func (u jsonUUID) MarshalGQL(w io.Writer) {
	b, ok := w.(*bytes.Buffer)
	if !ok {
		graphql.MarshalString(uuid.UUID(u).String()).MarshalGQL(w)
		return
	}
	var s [38]byte // "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case as uuid.String
	s[0], s[37] = '"', '"'
	hex.Encode(s[1:9], u[0:4])
	s[9] = '-'
	hex.Encode(s[10:14], u[4:6])
	s[14] = '-'
	hex.Encode(s[15:19], u[6:8])
	s[19] = '-'
	hex.Encode(s[20:24], u[8:10])
	s[24] = '-'
	hex.Encode(s[25:37], u[10:16])
	b.Write(s[:])
}
