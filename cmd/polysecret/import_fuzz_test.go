package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// What import parses, export writes back to the same pairs: parse, name
// as export does, write, parse again gives the named pairs. And a parser's error never holds the
// input's content (a value): only line numbers and kinds of failure.
func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{
		"A=1\n", "export B=\"x\\ny\"\n", "# c\n\nC='q'\n", "D=\"unterminated\n", "E=\"a\\$b\\\\\"\n",
		"=x\n", "F\n", "G=\"\\q\"\n", "export export H=1\n", " I = spaced \r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		parsed, err := parseDotenv(strings.NewReader(in))
		if err != nil {
			checkNoContent(t, err, in)
			return
		}
		// export writes exec's variable names (envVars), as here.
		ps, err := envVars(parsed)
		if err != nil {
			return // two keys of one name
		}
		var buf bytes.Buffer
		if err := writeDotenv(&buf, ps); err != nil {
			t.Fatal(err)
		}
		again, err := parseDotenv(&buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if diff := cmp.Diff(ps, again, cmp.AllowUnexported(pair{})); diff != "" {
			t.Errorf("write then parse (-first +again):\n%s\nwritten: %q", diff, buf.String())
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"A":"1"}`, `{"B":"x\ny","C":""}`, `{"D":1}`, `[]`, `{"E":"\u00e9"}`, `{"F":"a"} trailing`, `{"longkeyname":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := parseJSON(strings.NewReader(in))
		if err != nil {
			if !strings.HasSuffix(err.Error(), ": want a string value") { // names the key, by design
				checkNoContent(t, err, in)
			}
			return
		}
		var buf bytes.Buffer
		if err := writeJSON(&buf, ps); err != nil {
			t.Fatal(err)
		}
		again, err := parseJSON(&buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if diff := cmp.Diff(ps, again, cmp.AllowUnexported(pair{})); diff != "" {
			t.Errorf("write then parse (-first +again):\n%s\nwritten: %q", diff, buf.String())
		}
	})
}

// checkNoContent fails t if err's message holds a run of 6 or more bytes of
// in that is not part of the parser's own wording.
func checkNoContent(t *testing.T, err error, in string) {
	t.Helper()
	msg := err.Error()
	for _, field := range strings.FieldsFunc(in, func(r rune) bool { return r == '\n' || r == '=' || r == '"' || r == '\'' || r == ' ' }) {
		if len(field) >= 6 && strings.Contains(msg, field) && !strings.Contains(ownWords, field) {
			t.Errorf("error %q holds %q from the input", msg, field)
		}
	}
}

// ownWords are the parsers' own messages, which an input may happen to
// contain.
const ownWords = "dotenv line : want KEY=value unterminated quote a trailing backslash unknown escape " +
	"json: key want a string value json: want one object of string values bufio.Scanner: token too long"
