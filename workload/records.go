package workload

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Record is one request of a request log.
type Record struct {
	// Time is when the request was sent.
	Time time.Time
	// ClientIP is the client's address; the zero Addr when unknown.
	ClientIP netip.Addr
	// Method is the HTTP method, such as "GET".
	Method string
	// Host is the Host header.
	Host string
	// Path is the URL path, starting with "/".
	Path string
	// Query is the raw query string without "?"; optional.
	Query string
	// Bytes is the request size in bytes.
	Bytes int64
	// Line is the record's line in its source (for errors); 0 when unknown.
	Line int
}

// RecordReader yields log records in time order; Read returns io.EOF after
// the last one. Readers for other log formats (ALB access logs, CloudFront
// standard logs) implement it, or implement LineParser and use
// NewLineReader.
type RecordReader interface {
	Read() (Record, error)
}

// LineParser parses one line of a line-oriented log. It returns ErrSkipLine
// for lines without a request (comments, headers) and otherwise an error
// that names the field, preferably a *FieldError without Line; the reader
// adds the line number. A parser may keep state between lines (a
// "#Fields:" header that sets the columns).
type LineParser interface {
	ParseLine(line []byte) (Record, error)
}

// LineParserFunc adapts a function to LineParser.
type LineParserFunc func(line []byte) (Record, error)

// ParseLine calls f.
func (f LineParserFunc) ParseLine(line []byte) (Record, error) { return f(line) }

// MaxLineBytes is the longest line NewLineReader accepts.
const MaxLineBytes = 1 << 20

// NewLineReader reads r line by line (LF or CRLF), skipping blank lines, and
// parses each with p. A nil r or p makes every Read fail with
// ErrInvalidConfig.
func NewLineReader(r io.Reader, p LineParser) RecordReader {
	if r == nil || p == nil {
		return &lineReader{err: configErr("NewLineReader: nil reader or LineParser")}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	return &lineReader{sc: sc, p: p}
}

type lineReader struct {
	sc   *bufio.Scanner
	p    LineParser
	line int
	err  error
}

func (lr *lineReader) Read() (Record, error) {
	if lr.err != nil {
		return Record{}, lr.err
	}
	for lr.sc.Scan() {
		lr.line++
		b := bytes.TrimSuffix(lr.sc.Bytes(), []byte{'\r'})
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		rec, err := lr.p.ParseLine(b)
		if errors.Is(err, ErrSkipLine) {
			continue
		}
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Line = lr.line
				return Record{}, fe
			}
			return Record{}, &FieldError{Line: lr.line, Err: err}
		}
		rec.Line = lr.line
		return rec, nil
	}
	lr.err = io.EOF
	if err := lr.sc.Err(); err != nil {
		lr.err = &FieldError{Line: lr.line + 1, Err: err}
	}
	return Record{}, lr.err
}

// NewJSONLReader reads JSON Lines: one object per line with the keys
// "timestamp" (RFC 3339), "client_ip", "method", "host", "path", "bytes"
// and optionally "query". Unknown keys are errors.
func NewJSONLReader(r io.Reader) RecordReader { return NewLineReader(r, LineParserFunc(parseJSONLine)) }

type jsonRecord struct {
	Timestamp *string `json:"timestamp"`
	ClientIP  *string `json:"client_ip"`
	Method    *string `json:"method"`
	Host      *string `json:"host"`
	Path      *string `json:"path"`
	Query     string  `json:"query,omitempty"`
	Bytes     *int64  `json:"bytes"`
}

func parseJSONLine(line []byte) (Record, error) {
	var j jsonRecord
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Record{}, &FieldError{Field: te.Field, Err: fmt.Errorf("want %s, got JSON %s", te.Type, te.Value)}
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return Record{}, &FieldError{Field: strings.Trim(f, `"`), Err: errors.New("unknown field")}
		}
		return Record{}, &FieldError{Err: fmt.Errorf("malformed JSON: %w", err)}
	}
	if dec.More() {
		return Record{}, &FieldError{Err: errors.New("malformed JSON: more than one value on the line")}
	}
	vals := [...]*string{j.Timestamp, j.ClientIP, j.Method, j.Host, j.Path}
	var fields [5]string
	for i, v := range vals {
		if v == nil {
			return Record{}, &FieldError{Field: columns[i], Err: errors.New("missing")}
		}
		fields[i] = *v
	}
	if j.Bytes == nil {
		return Record{}, &FieldError{Field: "bytes", Err: errors.New("missing")}
	}
	rec, err := buildRecord(fields[0], fields[1], fields[2], fields[3], fields[4], j.Query)
	if err != nil {
		return Record{}, err
	}
	if *j.Bytes < 0 {
		return Record{}, &FieldError{Field: "bytes", Err: fmt.Errorf("%d is negative", *j.Bytes)}
	}
	rec.Bytes = *j.Bytes
	return rec, nil
}

// columns are the log columns, in the default CSV order.
var columns = []string{"timestamp", "client_ip", "method", "host", "path", "bytes", "query"}

const requiredColumns = 6 // all but query

// NewCSVReader reads CSV (RFC 4180) with the columns timestamp, client_ip,
// method, host, path, bytes and optionally query. A first row with a field
// "timestamp" is a header that names the columns in any order; without one
// the columns are in that order.
func NewCSVReader(r io.Reader) RecordReader {
	if r == nil {
		return NewLineReader(nil, nil) // fails every Read
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvReader{cr: cr}
}

type csvReader struct {
	cr    *csv.Reader
	index []int // column → field index, -1 when absent
	err   error
}

func (c *csvReader) Read() (Record, error) {
	if c.err != nil {
		return Record{}, c.err
	}
	rec, err := c.read()
	if err != nil {
		c.err = err
	}
	return rec, err
}

func (c *csvReader) read() (Record, error) {
	row, err := c.cr.Read()
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, &FieldError{Line: pe.Line, Err: fmt.Errorf("column %d: %w", pe.Column, pe.Err)}
		}
		return Record{}, &FieldError{Err: err}
	}
	line, _ := c.cr.FieldPos(0)
	if c.index == nil {
		c.index = []int{0, 1, 2, 3, 4, 5, -1}
		if isHeader(row) {
			if err := c.header(row, line); err != nil {
				return Record{}, err
			}
			return c.read()
		}
		if len(row) == len(columns) {
			c.index[6] = 6
		}
	}
	want := 0
	for _, i := range c.index {
		want = max(want, i+1)
	}
	if len(row) != want {
		return Record{}, &FieldError{Line: line, Err: fmt.Errorf("%d fields, want %d", len(row), want)}
	}
	get := func(col int) string {
		if c.index[col] < 0 {
			return ""
		}
		return row[c.index[col]]
	}
	rec, err := buildRecord(get(0), get(1), get(2), get(3), get(4), get(6))
	if err != nil {
		var fe *FieldError
		errors.As(err, &fe)
		fe.Line = line
		return Record{}, fe
	}
	b, err := strconv.ParseInt(strings.TrimSpace(get(5)), 10, 64)
	if err == nil && b < 0 {
		err = fmt.Errorf("%d is negative", b)
	}
	if err != nil {
		return Record{}, &FieldError{Line: line, Field: "bytes", Err: unwrapNum(err)}
	}
	rec.Bytes = b
	rec.Line = line
	return rec, nil
}

// isHeader reports whether the first row names the columns: one of its
// fields is "timestamp".
func isHeader(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(strings.TrimPrefix(f, "\ufeff")) == "timestamp" {
			return true
		}
	}
	return false
}

func (c *csvReader) header(row []string, line int) error {
	for i := range c.index {
		c.index[i] = -1
	}
	for i, name := range row {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		col := -1
		for j, cn := range columns {
			if cn == name {
				col = j
			}
		}
		if col < 0 {
			return &FieldError{Line: line, Field: name, Err: errors.New("unknown column in header")}
		}
		if c.index[col] >= 0 {
			return &FieldError{Line: line, Field: name, Err: errors.New("column named twice in header")}
		}
		c.index[col] = i
	}
	for j := range requiredColumns {
		if c.index[j] < 0 {
			return &FieldError{Line: line, Field: columns[j], Err: errors.New("column missing from header")}
		}
	}
	return nil
}

// buildRecord parses and checks the text fields shared by every format.
func buildRecord(ts, ip, method, host, path, query string) (Record, error) {
	t, err := ParseTimestamp(ts)
	if err != nil {
		return Record{}, &FieldError{Field: "timestamp", Err: err}
	}
	rec := Record{Time: t, Method: method, Host: host, Path: path, Query: query}
	if ip = strings.TrimSpace(ip); ip != "" && ip != "-" {
		if rec.ClientIP, err = netip.ParseAddr(ip); err != nil {
			return Record{}, &FieldError{Field: "client_ip", Err: fmt.Errorf("%q is not an IP address", ip)}
		}
	}
	if method == "" {
		return Record{}, &FieldError{Field: "method", Err: errors.New("empty")}
	}
	for _, r := range method {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_') {
			return Record{}, &FieldError{Field: "method", Err: fmt.Errorf("%q is not an HTTP method token", method)}
		}
	}
	if !strings.HasPrefix(path, "/") {
		return Record{}, &FieldError{Field: "path", Err: fmt.Errorf("%q does not start with \"/\"", path)}
	}
	return rec, nil
}

// ParseTimestamp parses a log timestamp: RFC 3339 with optional fraction
// ("2026-11-23T09:00:00.123Z") or Unix seconds with optional fraction
// ("1763888400.123").
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if sec, frac, ok := parseUnix(s); ok {
		return time.Unix(sec, frac).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor Unix seconds", s)
}

// parseUnix parses "seconds[.fraction]" exactly to the nanosecond.
func parseUnix(s string) (sec, nsec int64, ok bool) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || whole[0] == '+' || whole[0] == '-' {
		return 0, 0, false
	}
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec > math.MaxInt64/1_000_000_000-1 {
		return 0, 0, false
	}
	if hasFrac {
		if frac == "" || len(frac) > 9 {
			return 0, 0, false
		}
		for _, r := range frac {
			if r < '0' || r > '9' {
				return 0, 0, false
			}
		}
		n, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		nsec = n
	}
	return sec, nsec, true
}

func unwrapNum(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return fmt.Errorf("%q is not an integer", ne.Num)
	}
	return err
}

// Records returns a RecordReader over rs (not copied).
func Records(rs []Record) RecordReader { return &sliceReader{rs: rs} }

type sliceReader struct {
	rs []Record
	i  int
}

func (s *sliceReader) Read() (Record, error) {
	if s.i >= len(s.rs) {
		return Record{}, io.EOF
	}
	s.i++
	return s.rs[s.i-1], nil
}

// ReadAll reads every record of rr, checking that timestamps never go
// backwards.
func ReadAll(rr RecordReader) ([]Record, error) {
	if rr == nil {
		return nil, configErr("ReadAll: nil RecordReader")
	}
	var out []Record
	for {
		rec, err := rr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if len(out) > 0 {
			if err := checkOrder(out[len(out)-1], rec, len(out)); err != nil {
				return out, err
			}
		}
		out = append(out, rec)
	}
}

// checkOrder reports rec (the i-th, 0-based) going back in time.
func checkOrder(prev, rec Record, i int) error {
	if !rec.Time.Before(prev.Time) {
		return nil
	}
	err := fmt.Errorf("%s is before the previous record's %s", rec.Time.Format(time.RFC3339Nano), prev.Time.Format(time.RFC3339Nano))
	if rec.Line == 0 {
		err = fmt.Errorf("record %d: %w", i+1, err)
	}
	return &FieldError{Line: rec.Line, Field: "timestamp", Err: err}
}
