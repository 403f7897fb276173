package workload

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// checkReader reads everything from rr and checks the parser's contract:
// it ends with io.EOF or a *FieldError wrapping ErrBadRecord, and every
// record it returns is well formed.
func checkReader(t *testing.T, rr RecordReader) {
	for range 10000 {
		rec, err := rr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrBadRecord) {
				t.Fatalf("error %v (%T) is not a *FieldError wrapping ErrBadRecord", err, err)
			}
			if !strings.Contains(err.Error(), "workload: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			return
		}
		if rec.Method == "" || !strings.HasPrefix(rec.Path, "/") || rec.Bytes < 0 || rec.Line < 1 {
			t.Fatalf("ill-formed record %+v", rec)
		}
	}
	t.Fatal("reader did not end")
}

func FuzzCSVReader(f *testing.F) {
	f.Add("timestamp,client_ip,method,host,path,bytes\n2026-01-01T00:00:00Z,192.0.2.1,GET,h,/,1\n")
	f.Add("2026-01-01T00:00:00Z,192.0.2.1,GET,h,/,1,q\n1767225600.5,,PUT,\"h,2\",/x,0,\n")
	f.Add("host,timestamp,path,bytes,method,client_ip\nh,1,/,2,GET,::1\n")
	f.Add("\"unterminated\n")
	f.Add("timestamp,timestamp\n")
	f.Fuzz(func(t *testing.T, in string) {
		checkReader(t, NewCSVReader(strings.NewReader(in)))
	})
}

func FuzzJSONLReader(f *testing.F) {
	f.Add(`{"timestamp":"2026-01-01T00:00:00Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":1}` + "\n")
	f.Add(`{"timestamp":"1","client_ip":"","method":"GET","host":"h","path":"/","bytes":1,"query":"a"}` + "\r\n\n")
	f.Add(`{"timestamp":1}`)
	f.Add(`[]`)
	f.Add(`{"bytes":1e99}`)
	f.Fuzz(func(t *testing.T, in string) {
		checkReader(t, NewJSONLReader(strings.NewReader(in)))
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2026-01-01T00:00:00Z", "1767225600.123456789", "1.", "-1", "9223372036"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTimestamp(s)
		if err != nil {
			return
		}
		// Unix forms round-trip exactly.
		if sec, nsec, ok := parseUnix(strings.TrimSpace(s)); ok && (ts.Unix() != sec || int64(ts.Nanosecond()) != nsec) {
			t.Fatalf("%q parsed as %v", s, ts)
		}
	})
}
