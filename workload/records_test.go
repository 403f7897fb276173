package workload

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestReadCSV(t *testing.T) {
	in := "\ufeffhost,timestamp,path,bytes,method,client_ip,query\n" +
		"example.com,2026-01-01T00:00:00.5Z,/a,10,GET,192.0.2.1,x=1\n" +
		"\n" +
		`example.com,1767225601.25,"/b,c",0,POST,2001:db8::1,` + "\n" +
		"example.com,2026-01-01T00:00:02Z,/d,5,GET,,\n"
	rs, err := ReadAll(NewCSVReader(strings.NewReader(in)))
	require.NoError(t, err)
	require.Len(t, rs, 3)
	assert.Equal(t, Record{Time: time.Date(2026, 1, 1, 0, 0, 0, 5e8, time.UTC), ClientIP: netip.MustParseAddr("192.0.2.1"),
		Method: "GET", Host: "example.com", Path: "/a", Query: "x=1", Bytes: 10, Line: 2}, rs[0])
	assert.Equal(t, "/b,c", rs[1].Path)
	assert.Equal(t, 4, rs[1].Line)
	assert.True(t, rs[1].Time.Equal(time.Date(2026, 1, 1, 0, 0, 1, 25e7, time.UTC)), rs[1].Time)
	assert.False(t, rs[2].ClientIP.IsValid())

	// Without a header: the default column order, query optional.
	rs, err = ReadAll(NewCSVReader(strings.NewReader("2026-01-01T00:00:00Z,192.0.2.1,GET,h,/,1\n")))
	require.NoError(t, err)
	assert.Equal(t, "/", rs[0].Path)
	assert.Equal(t, 1, rs[0].Line)
}

func TestBadRecords(t *testing.T) {
	const ok = "2026-01-01T00:00:00Z,192.0.2.1,GET,h,/,1\n"
	const okJSON = `{"timestamp":"2026-01-01T00:00:00Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":1}` + "\n"
	tests := []struct {
		name        string
		format      Format
		in          string
		line        int
		field, want string
	}{
		{"csv timestamp", CSV, ok + "yesterday,192.0.2.1,GET,h,/,1\n", 2, "timestamp", `"yesterday"`},
		{"csv ip", CSV, ok + "2026-01-01T00:00:01Z,300.1.1.1,GET,h,/,1\n", 2, "client_ip", "not an IP"},
		{"csv method", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,G T,h,/,1\n", 2, "method", "token"},
		{"csv empty method", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,,h,/,1\n", 2, "method", "empty"},
		{"csv path", CSV, ok + ok + "2026-01-01T00:00:01Z,192.0.2.1,GET,h,index.html,1\n", 3, "path", "start with"},
		{"csv bytes", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,GET,h,/,ten\n", 2, "bytes", `"ten" is not an integer`},
		{"csv negative bytes", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,GET,h,/,-1\n", 2, "bytes", "negative"},
		{"csv field count", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,GET\n", 2, "", "3 fields, want 6"},
		{"csv quote", CSV, ok + "2026-01-01T00:00:01Z,192.0.2.1,GET,h,\"/x,1\n", 2, "", "quote"},
		{"csv out of order", CSV, "2026-01-01T00:00:05Z,192.0.2.1,GET,h,/,1\n" + ok, 2, "timestamp", "before the previous record's 2026-01-01T00:00:05Z"},
		{"csv header unknown", CSV, "timestamp,client_ip,method,host,path,bytes,status\n", 1, "status", "unknown column"},
		{"csv header missing", CSV, "timestamp,client_ip,method,host,path\n", 1, "bytes", "missing from header"},
		{"csv header twice", CSV, "timestamp,client_ip,method,host,path,bytes,path\n", 1, "path", "twice"},
		{"json malformed", JSONLines, okJSON + "{\"timestamp\":\n", 2, "", "malformed JSON"},
		{"json type", JSONLines, okJSON + `{"timestamp":"2026-01-01T00:00:01Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":"1"}`, 2, "bytes", "int64"},
		{"json missing", JSONLines, `{"timestamp":"2026-01-01T00:00:01Z","method":"GET","host":"h","path":"/","bytes":1}`, 1, "client_ip", "missing"},
		{"json missing bytes", JSONLines, `{"timestamp":"2026-01-01T00:00:01Z","client_ip":"","method":"GET","host":"h","path":"/"}`, 1, "bytes", "missing"},
		{"json unknown", JSONLines, `{"timestamp":"2026-01-01T00:00:01Z","client_ip":"","method":"GET","host":"h","path":"/","bytes":1,"ua":"x"}`, 1, "ua", "unknown field"},
		{"json two values", JSONLines, okJSON[:len(okJSON)-1] + " {}\n", 1, "", "more than one value"},
		{"json out of order", JSONLines, okJSON + "\n" +
			`{"timestamp":"2025-12-31T23:59:59Z","client_ip":"192.0.2.1","method":"GET","host":"h","path":"/","bytes":1}`, 3, "timestamp", "before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rr RecordReader
			if tt.format == CSV {
				rr = NewCSVReader(strings.NewReader(tt.in))
			} else {
				rr = NewJSONLReader(strings.NewReader(tt.in))
			}
			_, err := ReadAll(rr)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrBadRecord)
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "%T %v", err, err)
			assert.Equal(t, tt.line, fe.Line, err.Error())
			assert.Equal(t, tt.field, fe.Field, err.Error())
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "line ")
			// The reader stays failed.
			_, again := rr.Read()
			assert.Error(t, again)
		})
	}
}

func TestLineParserExtension(t *testing.T) {
	// A minimal space-separated format with comments, as the elb and
	// cloudfront parsers plug in.
	p := LineParserFunc(func(line []byte) (Record, error) {
		if line[0] == '#' {
			return Record{}, ErrSkipLine
		}
		f := strings.Fields(string(line))
		if len(f) != 2 {
			return Record{}, &FieldError{Err: errors.New("want 2 fields")}
		}
		ts, err := ParseTimestamp(f[0])
		if err != nil {
			return Record{}, &FieldError{Field: "time", Err: err}
		}
		return Record{Time: ts, Method: "GET", Path: f[1]}, nil
	})
	in := "#Version: 1.0\r\n1767225600 /a\r\n\r\n1767225601 /b\r\nbad /c\r\n"
	rr := NewLineReader(strings.NewReader(in), p)
	r1, err := rr.Read()
	require.NoError(t, err)
	assert.Equal(t, Record{Time: time.Unix(1767225600, 0).UTC(), Method: "GET", Path: "/a", Line: 2}, r1)
	r2, err := rr.Read()
	require.NoError(t, err)
	assert.Equal(t, 4, r2.Line)
	_, err = rr.Read()
	assert.EqualError(t, err, `workload: line 5: field time: "bad" is neither RFC 3339 nor Unix seconds`)

	// Lines longer than MaxLineBytes are an error, not a hang.
	long := strings.Repeat("x", MaxLineBytes+10)
	_, err = NewLineReader(strings.NewReader("1767225600 /a\n"+long), p).Read()
	require.NoError(t, err)
	rr = NewLineReader(strings.NewReader("1767225600 /a\n"+long), p)
	_, _ = rr.Read()
	_, err = rr.Read()
	assert.ErrorIs(t, err, ErrBadRecord)
	assert.ErrorContains(t, err, "line 2")
}

func TestParseTimestamp(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2026-01-01T00:00:00Z", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-01-01T01:00:00.000001+01:00", time.Date(2026, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{"1767225600", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"1767225600.000000001", time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC)},
		{"1767225600.5", time.Date(2026, 1, 1, 0, 0, 0, 5e8, time.UTC)},
	} {
		got, err := ParseTimestamp(tt.in)
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: %v", tt.in, got)
	}
	for _, bad := range []string{"", "-1", "+5", "1.", "1.1234567890", "1.x", "2026-01-01", "99999999999999999999"} {
		_, err := ParseTimestamp(bad)
		assert.Error(t, err, bad)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	// What a Recorder writes, the readers read back as the same requests.
	for _, f := range []Format{CSV, JSONLines} {
		t.Run(map[Format]string{CSV: "csv", JSONLines: "jsonl"}[f], func(t *testing.T) {
			epoch := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			s := sim.New(sim.Config{Seed: 1, Epoch: epoch})
			var buf bytes.Buffer
			rec, err := NewRecorder(s, &buf, f)
			require.NoError(t, err)
			reqs := []*sim.Request{
				{Method: "GET", Host: "a.example", Path: "/x", Query: "q=1&r=\"2\"", Bytes: 0, Client: sim.Client{IP: netip.MustParseAddr("192.0.2.9")}},
				{Method: "PUT", Host: "b,example", Path: "/y\nz", Bytes: 1 << 40, Client: sim.Client{IP: netip.MustParseAddr("2001:db8::5")}},
				{Method: "DELETE", Host: "", Path: "/", Bytes: 3},
			}
			for i, r := range reqs {
				s.Schedule(sim.Time(i)*sim.Time(1500*time.Microsecond), func() { s.Send(sim.Fixed(sim.Response{Status: 200}), r, nil); rec.Log(r) })
			}
			s.Run()
			require.NoError(t, rec.Flush())
			var rr RecordReader
			if f == CSV {
				rr = NewCSVReader(&buf)
			} else {
				rr = NewJSONLReader(&buf)
			}
			got, err := ReadAll(rr)
			require.NoError(t, err)
			require.Len(t, got, len(reqs))
			for i, r := range reqs {
				assert.True(t, got[i].Time.Equal(s.Wall(r.Start)))
				assert.Equal(t, r.Client.IP, got[i].ClientIP)
				assert.Equal(t, []any{r.Method, r.Host, r.Path, r.Query, r.Bytes}, []any{got[i].Method, got[i].Host, got[i].Path, got[i].Query, got[i].Bytes})
			}
		})
	}
	_, err := NewRecorder(sim.New(sim.Config{}), io.Discard, Format(9))
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRecorderWriteError(t *testing.T) {
	s := sim.New(sim.Config{})
	rec, err := NewRecorder(s, failWriter{}, JSONLines)
	require.NoError(t, err)
	for range 10000 { // more than the buffer
		rec.Log(&sim.Request{Method: "GET", Path: "/"})
	}
	assert.EqualError(t, rec.Flush(), "disk full")
}

func TestReplay(t *testing.T) {
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []Record{
		{Time: epoch.Add(10 * time.Second), ClientIP: netip.MustParseAddr("198.51.100.7"), Method: "GET", Host: "h", Path: "/a", Bytes: 1},
		{Time: epoch.Add(12 * time.Second), ClientIP: netip.MustParseAddr("192.0.2.1"), Method: "POST", Host: "h", Path: "/b", Query: "q", Bytes: 2},
		{Time: epoch.Add(12 * time.Second), Method: "GET", Host: "h", Path: "/c"},
		{Time: epoch.Add(20 * time.Second), Method: "GET", Host: "h", Path: "/d"},
	}
	clients, err := NewClients([]Population{{Name: "br", Weight: 1, Country: "BR", Prefixes: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}})
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  ReplayConfig
		want []time.Duration // send instants
	}{
		{"relative", ReplayConfig{Start: sim.Time(time.Second)}, []time.Duration{time.Second, 3 * time.Second, 3 * time.Second, 11 * time.Second}},
		{"scaled", ReplayConfig{TimeScale: 0.5}, []time.Duration{0, time.Second, time.Second, 5 * time.Second}},
		{"wall clock", ReplayConfig{WallClock: true}, []time.Duration{10 * time.Second, 12 * time.Second, 12 * time.Second, 20 * time.Second}},
		{"until", ReplayConfig{Until: sim.Time(5 * time.Second)}, []time.Duration{0, 2 * time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1, Epoch: epoch})
			var got []*sim.Request
			cfg := tt.cfg
			cfg.Name, cfg.Target, cfg.Source, cfg.Clients = "r", sim.Fixed(sim.Response{Status: 200}), Records(recs), clients
			cfg.OnResponse = func(req *sim.Request, _ sim.Response) { got = append(got, req) }
			cfg.Work = Const(0.001)
			rp, err := NewReplay(s, cfg)
			require.NoError(t, err)
			s.Run()
			require.NoError(t, rp.Err())
			assert.True(t, rp.Done())
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				assert.Equal(t, sim.Time(w), got[i].Start, i)
				assert.Equal(t, recs[i].Path, got[i].Path)
				assert.Equal(t, recs[i].Method, got[i].Method)
				assert.Equal(t, recs[i].Bytes, got[i].Bytes)
				assert.Equal(t, time.Millisecond, got[i].Work)
			}
			assert.Equal(t, "BR", got[0].Client.Country)
			assert.Equal(t, "sa-east-1", got[0].Client.Region)
			assert.Equal(t, uint64(8), got[0].Client.ID)
			assert.Equal(t, "", got[1].Client.Country)
			assert.Equal(t, "q", got[1].Query)
			assert.Equal(t, uint64(len(tt.want)), rp.Stats().Completed)
		})
	}
}

func TestReplayStopsAtBadRecord(t *testing.T) {
	in := "2026-01-01T00:00:00Z,192.0.2.1,GET,h,/,1\n" +
		"2026-01-01T00:00:03Z,192.0.2.1,GET,h,/,1\n" +
		"2026-01-01T00:00:02Z,192.0.2.1,GET,h,/,1\n" +
		"2026-01-01T00:00:04Z,192.0.2.1,GET,h,/,1\n"
	var trace bytes.Buffer
	s := sim.New(sim.Config{Seed: 1, Trace: &trace})
	rp, err := NewReplay(s, ReplayConfig{Name: "r", Target: sim.Fixed(sim.Response{Status: 200}), Source: NewCSVReader(strings.NewReader(in))})
	require.NoError(t, err)
	s.Run()
	assert.Equal(t, uint64(2), rp.Stats().Sent)
	assert.ErrorIs(t, rp.Err(), ErrBadRecord)
	assert.ErrorContains(t, rp.Err(), "line 3: field timestamp")
	assert.Contains(t, trace.String(), "ReplayError")

	// A first record that is bad fails at construction.
	_, err = NewReplay(s, ReplayConfig{Name: "r2", Target: sim.Fixed(sim.Response{Status: 200}), Source: NewCSVReader(strings.NewReader("x,y\n"))})
	assert.ErrorIs(t, err, ErrBadRecord)

	// On the wall clock, a record before the current time is an error.
	s = sim.New(sim.Config{Seed: 1, Epoch: time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)})
	_, err = NewReplay(s, ReplayConfig{Name: "r", Target: sim.Fixed(sim.Response{Status: 200}), WallClock: true, Source: NewCSVReader(strings.NewReader(in))})
	assert.ErrorContains(t, err, "line 1: field timestamp")

	// An empty log replays nothing.
	rp, err = NewReplay(s, ReplayConfig{Name: "e", Target: sim.Fixed(sim.Response{Status: 200}), Source: NewJSONLReader(strings.NewReader(""))})
	require.NoError(t, err)
	assert.True(t, rp.Done())
}

func TestNilReaders(t *testing.T) {
	for _, c := range []struct {
		name string
		rr   RecordReader
	}{
		{"csv", NewCSVReader(nil)},
		{"jsonl", NewJSONLReader(nil)},
		{"nil parser", NewLineReader(strings.NewReader("x\n"), nil)},
		{"nil reader", NewLineReader(nil, ALBLogParser())},
	} {
		_, err := c.rr.Read()
		assert.ErrorIs(t, err, ErrInvalidConfig, c.name)
		_, err = ReadAll(c.rr)
		assert.ErrorIs(t, err, ErrInvalidConfig, c.name)
	}
	_, err := ReadAll(nil)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}
