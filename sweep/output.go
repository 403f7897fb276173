package sweep

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/nimbus-sim/nimbus/sim"
)

// Record is one finished replication.
type Record struct {
	// Point is the point's index in the space.
	Point int
	// Replica numbers the replication within the point.
	Replica int
	// Seed is the replication's seed.
	Seed uint64
	// Values holds the metrics in Config.Metrics order.
	Values []float64
}

func compareRecords(a, b Record) int {
	return cmp.Or(cmp.Compare(a.Point, b.Point), cmp.Compare(a.Replica, b.Replica))
}

// seed returns the seed of (point, replica); see Replica.Seed.
func (p *plan) seed(point, replica int) uint64 {
	if p.CommonRandomNumbers {
		return sim.DeriveSeed(p.Seed, "replica/"+strconv.Itoa(replica))
	}
	return sim.DeriveSeed(p.Seed, "point/"+p.Space.Point(point).String()+"/replica/"+strconv.Itoa(replica))
}

// The formats. Both are canonical: a file is valid only if every line is
// byte for byte what this package would write for its content, so a
// resumed or merged run can check content against the sweep cheaply.
//
// JSON Lines:
//
//	{"nimbus_sweep":1,"name":"…","fingerprint":"…","shard":0,"shards":1,"params":[…],"metrics":[…]}
//	{"point":0,"replica":0,"seed":"…","params":{…},"metrics":{…}}
//
// Seeds are decimal strings (they exceed 2^53); non-finite floats are the
// strings "NaN", "+Inf", "-Inf".
//
// CSV: a comment line "# nimbus-sweep/1 fingerprint=… shard=i/n name=…",
// a header row point,replica,seed,<params>,<metrics>, then one row per run.

const formatTag = "nimbus-sweep/1"

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

func jsonStrings(ss []string) []byte {
	b, _ := json.Marshal(ss) // strings always marshal
	return b
}

func jsonFloat(buf []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(append(append(buf, '"'), fmtFloat(f)...), '"')
	}
	return strconv.AppendFloat(buf, f, 'g', -1, 64)
}

func (p *plan) jsonHeader(s Shard) []byte {
	var b bytes.Buffer
	b.WriteString(`{"nimbus_sweep":1,"name":`)
	b.Write(jsonString(p.Name))
	fmt.Fprintf(&b, `,"fingerprint":%q,"shard":%d,"shards":%d,"params":`, p.fp, s.Index, s.Count)
	b.Write(jsonStrings(p.Space.names))
	b.WriteString(`,"metrics":`)
	b.Write(jsonStrings(p.Metrics))
	b.WriteString("}\n")
	return b.Bytes()
}

func (p *plan) jsonRecord(r Record) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"point":`...)
	b = strconv.AppendInt(b, int64(r.Point), 10)
	b = append(b, `,"replica":`...)
	b = strconv.AppendInt(b, int64(r.Replica), 10)
	b = append(b, `,"seed":"`...)
	b = strconv.AppendUint(b, r.Seed, 10)
	b = append(b, `","params":{`...)
	for j, v := range p.Space.points[r.Point] {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, jsonString(p.Space.names[j])...)
		b = append(b, ':')
		switch v.kind {
		case Int:
			b = strconv.AppendInt(b, v.i, 10)
		case Float:
			b = jsonFloat(b, v.f)
		default:
			b = append(b, jsonString(v.String())...)
		}
	}
	b = append(b, `},"metrics":{`...)
	for j, m := range p.Metrics {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, jsonString(m)...)
		b = append(b, ':')
		b = jsonFloat(b, r.Values[j])
	}
	return append(b, "}}\n"...)
}

func (p *plan) csvHeader(s Shard) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s fingerprint=%s shard=%s name=%s\n", formatTag, p.fp, s, p.Name)
	b.WriteString("point,replica,seed")
	for _, n := range p.Space.names {
		b.WriteString("," + n)
	}
	for _, m := range p.Metrics {
		b.WriteString("," + m)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func csvLine(fields []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // writing to a bytes.Buffer cannot fail
	w.Flush()
	return b.Bytes()
}

func (p *plan) csvRecord(r Record) []byte {
	f := make([]string, 0, 3+len(p.Space.names)+len(p.Metrics))
	f = append(f, strconv.Itoa(r.Point), strconv.Itoa(r.Replica), strconv.FormatUint(r.Seed, 10))
	for _, v := range p.Space.points[r.Point] {
		f = append(f, v.String())
	}
	for _, v := range r.Values {
		f = append(f, fmtFloat(v))
	}
	return csvLine(f)
}

// output is one parsed CSV or JSON Lines file.
type output struct {
	path    string
	csv     bool
	shard   Shard
	header  bool // false: empty, or killed before its header was complete
	records []Record
}

// readOutput parses a file written by this sweep. A last line without its
// newline (a write cut short by a kill) is ignored. Every other line must
// be exactly what the sweep writes.
func (p *plan) readOutput(path string) (*output, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	return p.parseOutput(path, data)
}

// parseOutput parses the content of the output file at path.
func (p *plan) parseOutput(path string, data []byte) (*output, error) {
	var err error
	out := &output{path: path}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		data = nil
	}
	if len(data) == 0 {
		return out, nil
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines = lines[:len(lines)-1] // SplitAfter leaves "" after the final newline
	var hdr []byte
	switch data[0] {
	case '{':
		out.shard, err = p.parseJSONHeader(path, lines[0])
		if err != nil {
			return nil, err
		}
		hdr = p.jsonHeader(out.shard)
		lines = lines[1:]
	case '#':
		out.csv = true
		out.shard, err = p.parseCSVHeader(path, lines[0])
		if err != nil {
			return nil, err
		}
		if len(lines) < 2 {
			return out, nil // killed between the two header lines
		}
		hdr = p.csvHeader(out.shard)
		lines = lines[2:]
	default:
		return nil, fmt.Errorf("sweep: %s: not a sweep output (first byte %q): %w", path, data[0], ErrCorrupt)
	}
	if !bytes.HasPrefix(data, hdr) {
		return nil, fmt.Errorf("sweep: %s: header differs from this sweep's (parameters or metrics changed?): %w", path, ErrMismatch)
	}
	out.header = true
	seen := map[[2]int]bool{}
	for n, line := range lines {
		var r Record
		if out.csv {
			r, err = p.parseCSVRecord(line)
		} else {
			r, err = p.parseJSONRecord(line)
		}
		lineNo := n + 2
		if out.csv {
			lineNo++
		}
		if err != nil {
			return nil, fmt.Errorf("sweep: %s line %d: %v: %w", path, lineNo, err, ErrCorrupt)
		}
		if !out.shard.Owns(r.Point) {
			return nil, fmt.Errorf("sweep: %s line %d: point %d is not in shard %s: %w", path, lineNo, r.Point, out.shard, ErrCorrupt)
		}
		if r.Replica >= p.maxReplicas() {
			return nil, fmt.Errorf("sweep: %s line %d: point %d has replica %d, but this sweep runs at most %d per point (Replicas lowered?): %w", path, lineNo, r.Point, r.Replica, p.maxReplicas(), ErrMismatch)
		}
		r.Seed = p.seed(r.Point, r.Replica)
		var want []byte
		if out.csv {
			want = p.csvRecord(r)
		} else {
			want = p.jsonRecord(r)
		}
		if string(want) != line {
			return nil, fmt.Errorf("sweep: %s line %d: differs from what this sweep writes for point %d replica %d (seed or parameters changed?): %w", path, lineNo, r.Point, r.Replica, ErrMismatch)
		}
		k := [2]int{r.Point, r.Replica}
		if seen[k] {
			return nil, fmt.Errorf("sweep: %s line %d: point %d replica %d appears twice: %w", path, lineNo, r.Point, r.Replica, ErrCorrupt)
		}
		seen[k] = true
		out.records = append(out.records, r)
	}
	return out, nil
}

func (p *plan) checkFingerprint(path, fp string) error {
	if fp != p.fp {
		return fmt.Errorf("sweep: %s: written by another sweep (fingerprint %s, this sweep %s): %w", path, fp, p.fp, ErrMismatch)
	}
	return nil
}

func (p *plan) parseJSONHeader(path, line string) (Shard, error) {
	var h struct {
		Tag         *int   `json:"nimbus_sweep"`
		Fingerprint string `json:"fingerprint"`
		Shard       int    `json:"shard"`
		Shards      int    `json:"shards"`
	}
	if err := json.Unmarshal([]byte(line), &h); err != nil || h.Tag == nil {
		return Shard{}, fmt.Errorf("sweep: %s: not a sweep header: %w", path, ErrCorrupt)
	}
	if err := p.checkFingerprint(path, h.Fingerprint); err != nil {
		return Shard{}, err
	}
	s := Shard{Index: h.Shard, Count: h.Shards}
	if s.validate() != nil {
		return Shard{}, fmt.Errorf("sweep: %s: shard %d/%d out of range: %w", path, h.Shard, h.Shards, ErrCorrupt)
	}
	return s, nil
}

func (p *plan) parseCSVHeader(path, line string) (Shard, error) {
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "#" || f[1] != formatTag || !strings.HasPrefix(f[2], "fingerprint=") || !strings.HasPrefix(f[3], "shard=") {
		return Shard{}, fmt.Errorf("sweep: %s: not a sweep header: %w", path, ErrCorrupt)
	}
	if err := p.checkFingerprint(path, strings.TrimPrefix(f[2], "fingerprint=")); err != nil {
		return Shard{}, err
	}
	s, err := ParseShard(strings.TrimPrefix(f[3], "shard="))
	if err != nil {
		return Shard{}, fmt.Errorf("sweep: %s: %v: %w", path, err, ErrCorrupt)
	}
	return s, nil
}

// parseIndex reads a point index (point) or a replica index.
func (p *plan) parseIndex(s string, point bool) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || (point && v >= p.Space.Len()) {
		return 0, fmt.Errorf("bad index %q", s)
	}
	return v, nil
}

func (p *plan) parseJSONRecord(line string) (Record, error) {
	var j struct {
		Point   json.Number                `json:"point"`
		Replica json.Number                `json:"replica"`
		Metrics map[string]json.RawMessage `json:"metrics"`
	}
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&j); err != nil {
		return Record{}, err
	}
	var r Record
	var err error
	if r.Point, err = p.parseIndex(j.Point.String(), true); err != nil {
		return Record{}, err
	}
	if r.Replica, err = p.parseIndex(j.Replica.String(), false); err != nil {
		return Record{}, err
	}
	r.Values = make([]float64, len(p.Metrics))
	for i, m := range p.Metrics {
		raw, ok := j.Metrics[m]
		if !ok {
			return Record{}, fmt.Errorf("metric %q missing", m)
		}
		s := string(raw)
		if uq, err := strconv.Unquote(s); err == nil {
			s = uq
		}
		if r.Values[i], err = strconv.ParseFloat(s, 64); err != nil {
			return Record{}, fmt.Errorf("metric %q: %v", m, err)
		}
	}
	return r, nil
}

func (p *plan) parseCSVRecord(line string) (Record, error) {
	f, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return Record{}, err
	}
	np := len(p.Space.names)
	if len(f) != 3+np+len(p.Metrics) {
		return Record{}, fmt.Errorf("%d fields, want %d", len(f), 3+np+len(p.Metrics))
	}
	var r Record
	if r.Point, err = p.parseIndex(f[0], true); err != nil {
		return Record{}, err
	}
	if r.Replica, err = p.parseIndex(f[1], false); err != nil {
		return Record{}, err
	}
	r.Values = make([]float64, len(p.Metrics))
	for i := range p.Metrics {
		if r.Values[i], err = strconv.ParseFloat(f[3+np+i], 64); err != nil {
			return Record{}, fmt.Errorf("metric %q: %v", p.Metrics[i], err)
		}
	}
	return r, nil
}

// exists reports whether path exists; errors other than "not found" count
// as existing so that nothing is overwritten by mistake.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// writeAtomic writes path through a temporary file and a rename, so a kill
// leaves either the old or the new content.
func writeAtomic(path string, fill func(w io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sweep: writing %s: %w", path, err)
	}
	return nil
}

// writeRuns writes a whole CSV or JSON Lines file of records.
func (p *plan) writeRuns(path string, asCSV bool, s Shard, recs []Record) error {
	return writeAtomic(path, func(w io.Writer) error {
		hdr, enc := p.jsonHeader, p.jsonRecord
		if asCSV {
			hdr, enc = p.csvHeader, p.csvRecord
		}
		if _, err := w.Write(hdr(s)); err != nil {
			return err
		}
		for _, r := range recs {
			if _, err := w.Write(enc(r)); err != nil {
				return err
			}
		}
		return nil
	})
}

func sortRecords(recs []Record) { slices.SortFunc(recs, compareRecords) }
