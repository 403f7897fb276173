package sim

import (
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// Field is one key/value of a trace event. Values are encoded with
// encoding/json.
type Field struct {
	Key   string
	Value any
}

// F is shorthand for Field{key, value}.
func F(key string, value any) Field { return Field{key, value} }

type tracer struct {
	w     io.Writer
	epoch time.Time
	buf   []byte
	err   error
}

func newTracer(w io.Writer, epoch time.Time) *tracer { return &tracer{w: w, epoch: epoch} }

// Tracing reports whether the run writes a trace. Guard calls to Trace with
// it on hot paths, so that building the fields costs nothing when off.
func (s *Sim) Tracing() bool { return s.tr != nil }

// Trace writes one JSON Lines event: {"t":ns,"time":RFC3339,"svc":service,
// "event":event,"id":resource, then fields in the order given}. Control-plane
// actions (launch, terminate, alarm changes) are recorded this way, like
// CloudTrail entries. It does nothing when tracing is off.
func (s *Sim) Trace(service, event, resource string, fields ...Field) {
	t := s.tr
	if t == nil || t.err != nil {
		return
	}
	b := t.buf[:0]
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, int64(s.now), 10)
	b = append(b, `,"time":"`...)
	b = t.epoch.Add(time.Duration(s.now)).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","svc":`...)
	b = appendString(b, service)
	b = append(b, `,"event":`...)
	b = appendString(b, event)
	if resource != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, resource)
	}
	for _, f := range fields {
		b = append(b, ',')
		b = appendString(b, f.Key)
		b = append(b, ':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			v, _ = json.Marshal(err.Error())
		}
		b = append(b, v...)
	}
	b = append(b, '}', '\n')
	t.buf = b
	_, t.err = t.w.Write(b)
}

// TraceErr returns the first error the trace writer returned, if any.
func (s *Sim) TraceErr() error {
	if s.tr == nil {
		return nil
	}
	return s.tr.err
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			v, _ := json.Marshal(s)
			return append(b, v...)
		}
	}
	return strconv.AppendQuote(b, s)
}
