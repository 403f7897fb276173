package sweep

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Kind is the type of a parameter's values.
type Kind uint8

// The kinds of parameter values.
const (
	// Int is a Go int, such as a group size.
	Int Kind = iota + 1
	// Float is a float64, such as a target CPU percentage.
	Float
	// Duration is a time.Duration, such as a cooldown.
	Duration
	// String is a name, such as an instance type or a policy.
	String
)

// String returns the kind's name as used in fingerprints and errors.
func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Duration:
		return "duration"
	case String:
		return "string"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one parameter value of some Kind.
type Value struct {
	kind Kind
	i    int64 // Int and Duration (nanoseconds)
	f    float64
	s    string
}

// IntValue returns an Int Value.
func IntValue(v int) Value { return Value{kind: Int, i: int64(v)} }

// FloatValue returns a Float Value.
func FloatValue(v float64) Value { return Value{kind: Float, f: v} }

// DurationValue returns a Duration Value.
func DurationValue(v time.Duration) Value { return Value{kind: Duration, i: int64(v)} }

// StringValue returns a String Value.
func StringValue(v string) Value { return Value{kind: String, s: v} }

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// Int returns an Int value (0 for other kinds).
func (v Value) Int() int {
	if v.kind != Int {
		return 0
	}
	return int(v.i)
}

// Float returns a Float value, or an Int value converted (0 for other kinds).
func (v Value) Float() float64 {
	switch v.kind {
	case Float:
		return v.f
	case Int:
		return float64(v.i)
	}
	return 0
}

// Duration returns a Duration value (0 for other kinds).
func (v Value) Duration() time.Duration {
	if v.kind != Duration {
		return 0
	}
	return time.Duration(v.i)
}

// String formats the value as it appears in CSV output: ints in decimal,
// floats in the shortest form that reads back exactly, durations as Go
// durations ("1m30s"), strings as they are.
func (v Value) String() string {
	switch v.kind {
	case Int:
		return strconv.FormatInt(v.i, 10)
	case Float:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case Duration:
		return time.Duration(v.i).String()
	}
	return v.s
}

// Dim is one named parameter: either a list of values (for grids, and to
// draw from in random and Latin-hypercube samples) or a range (for samples
// only).
type Dim struct {
	// Name is the parameter's name: its column in outputs and its key in
	// Replica.Int and friends.
	Name string
	// Kind is the kind of every value.
	Kind Kind
	// Values lists the values of a list dimension, in order.
	Values []Value
	// Lo and Hi bound a range dimension, inclusive; IsRange tells it apart
	// from a list.
	Lo, Hi  Value
	IsRange bool
}

// Ints is an integer parameter taking the given values.
func Ints(name string, values ...int) Dim {
	d := Dim{Name: name, Kind: Int}
	for _, v := range values {
		d.Values = append(d.Values, IntValue(v))
	}
	return d
}

// Floats is a float parameter taking the given values.
func Floats(name string, values ...float64) Dim {
	d := Dim{Name: name, Kind: Float}
	for _, v := range values {
		d.Values = append(d.Values, FloatValue(v))
	}
	return d
}

// Durations is a duration parameter taking the given values.
func Durations(name string, values ...time.Duration) Dim {
	d := Dim{Name: name, Kind: Duration}
	for _, v := range values {
		d.Values = append(d.Values, DurationValue(v))
	}
	return d
}

// Strings is a string parameter (an instance type, a policy name) taking the
// given values.
func Strings(name string, values ...string) Dim {
	d := Dim{Name: name, Kind: String}
	for _, v := range values {
		d.Values = append(d.Values, StringValue(v))
	}
	return d
}

// IntRange is an integer parameter in [lo, hi], for Random and
// LatinHypercube samples.
func IntRange(name string, lo, hi int) Dim {
	return Dim{Name: name, Kind: Int, Lo: IntValue(lo), Hi: IntValue(hi), IsRange: true}
}

// FloatRange is a float parameter in [lo, hi), for Random and LatinHypercube
// samples.
func FloatRange(name string, lo, hi float64) Dim {
	return Dim{Name: name, Kind: Float, Lo: FloatValue(lo), Hi: FloatValue(hi), IsRange: true}
}

// DurationRange is a duration parameter in [lo, hi], for Random and
// LatinHypercube samples; samples are whole nanoseconds.
func DurationRange(name string, lo, hi time.Duration) Dim {
	return Dim{Name: name, Kind: Duration, Lo: DurationValue(lo), Hi: DurationValue(hi), IsRange: true}
}

// validate checks one dimension; grid reports whether ranges are refused.
func (d Dim) validate(grid bool) error {
	if d.Name == "" {
		return fmt.Errorf("sweep: parameter with empty name: %w", ErrInvalidSpace)
	}
	if strings.ContainsAny(d.Name, "\",\n\r#") {
		return fmt.Errorf("sweep: parameter %q: name may not contain quotes, commas, '#' or newlines: %w", d.Name, ErrInvalidSpace)
	}
	if d.Kind < Int || d.Kind > String {
		return fmt.Errorf("sweep: parameter %q: unknown Kind %d: %w", d.Name, d.Kind, ErrInvalidSpace)
	}
	if d.IsRange {
		if grid {
			return fmt.Errorf("sweep: parameter %q: a range cannot be a grid dimension (list its values): %w", d.Name, ErrInvalidSpace)
		}
		if d.Kind == String {
			return fmt.Errorf("sweep: parameter %q: a string parameter cannot be a range: %w", d.Name, ErrInvalidSpace)
		}
		if d.Lo.kind != d.Kind || d.Hi.kind != d.Kind {
			return fmt.Errorf("sweep: parameter %q: range bounds are not %s: %w", d.Name, d.Kind, ErrInvalidSpace)
		}
		if d.Kind == Float && (math.IsNaN(d.Lo.f) || math.IsNaN(d.Hi.f) || math.IsInf(d.Lo.f, 0) || math.IsInf(d.Hi.f, 0)) {
			return fmt.Errorf("sweep: parameter %q: range bounds must be finite: %w", d.Name, ErrInvalidSpace)
		}
		if d.Lo.Float() > d.Hi.Float() || (d.Kind == Duration && d.Lo.i > d.Hi.i) {
			return fmt.Errorf("sweep: parameter %q: range lo %s > hi %s: %w", d.Name, d.Lo, d.Hi, ErrInvalidSpace)
		}
		return nil
	}
	if len(d.Values) == 0 {
		return fmt.Errorf("sweep: parameter %q: no values: %w", d.Name, ErrInvalidSpace)
	}
	for _, v := range d.Values {
		if err := checkValue(d.Name, d.Kind, v); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(name string, k Kind, v Value) error {
	if v.kind != k {
		return fmt.Errorf("sweep: parameter %q: value %q is %s, want %s: %w", name, v.String(), v.kind, k, ErrInvalidSpace)
	}
	if v.kind == String && strings.ContainsAny(v.s, "\n\r") {
		return fmt.Errorf("sweep: parameter %q: value %q contains a newline: %w", name, v.s, ErrInvalidSpace)
	}
	if v.kind == Float && math.IsNaN(v.f) {
		return fmt.Errorf("sweep: parameter %q: value is NaN: %w", name, ErrInvalidSpace)
	}
	return nil
}

// Space is a finite, ordered list of points over named parameters. Point i
// is the same on every machine, so shards and resumed runs agree on it.
type Space struct {
	kind   string // "grid", "list", "random", "lhs": part of the fingerprint
	names  []string
	kinds  []Kind
	points [][]Value
}

func newSpace(kind string, dims []Dim) (*Space, error) {
	if len(dims) == 0 {
		return nil, fmt.Errorf("sweep: %s with no parameters: %w", kind, ErrInvalidSpace)
	}
	sp := &Space{kind: kind}
	for _, d := range dims {
		if err := d.validate(kind == "grid"); err != nil {
			return nil, err
		}
		if slices.Contains(sp.names, d.Name) {
			return nil, fmt.Errorf("sweep: parameter %q appears twice: %w", d.Name, ErrInvalidSpace)
		}
		sp.names = append(sp.names, d.Name)
		sp.kinds = append(sp.kinds, d.Kind)
	}
	return sp, nil
}

// Grid is the Cartesian product of the dimensions' values. Points are in
// row-major order: the last dimension varies fastest, as in nested loops
// written in the order given.
func Grid(dims ...Dim) (*Space, error) {
	sp, err := newSpace("grid", dims)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, d := range dims {
		n *= len(d.Values)
		if n > maxPoints {
			return nil, fmt.Errorf("sweep: grid has more than %d points: %w", maxPoints, ErrInvalidSpace)
		}
	}
	idx := make([]int, len(dims))
	for range n {
		p := make([]Value, len(dims))
		for j, d := range dims {
			p[j] = d.Values[idx[j]]
		}
		sp.points = append(sp.points, p)
		for j := len(dims) - 1; j >= 0; j-- {
			idx[j]++
			if idx[j] < len(dims[j].Values) {
				break
			}
			idx[j] = 0
		}
	}
	return sp, nil
}

// maxPoints bounds a space so that a typo cannot allocate the machine away.
const maxPoints = 10_000_000

// List is a space of explicitly given points; every point must set the same
// parameters with the same kinds. names gives the parameter order; each
// point is a map from name to value.
func List(names []string, points ...map[string]Value) (*Space, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("sweep: list with no points: %w", ErrInvalidSpace)
	}
	dims := make([]Dim, len(names))
	for j, name := range names {
		v, ok := points[0][name]
		if !ok {
			return nil, fmt.Errorf("sweep: list point 0: parameter %q missing: %w", name, ErrUnknownParam)
		}
		dims[j] = Dim{Name: name, Kind: v.kind, Values: []Value{v}}
	}
	sp, err := newSpace("list", dims)
	if err != nil {
		return nil, err
	}
	for i, pt := range points {
		if len(pt) != len(names) {
			for _, k := range sortedKeys(pt) {
				if !slices.Contains(names, k) {
					return nil, fmt.Errorf("sweep: list point %d: unknown parameter %q (have %s): %w", i, k, strings.Join(names, ", "), ErrUnknownParam)
				}
			}
		}
		p := make([]Value, len(names))
		for j, name := range names {
			v, ok := pt[name]
			if !ok {
				return nil, fmt.Errorf("sweep: list point %d: parameter %q missing: %w", i, name, ErrUnknownParam)
			}
			if err := checkValue(name, sp.kinds[j], v); err != nil {
				return nil, fmt.Errorf("list point %d: %w", i, err)
			}
			p[j] = v
		}
		sp.points = append(sp.points, p)
	}
	return sp, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Random is n points drawn independently and uniformly: a range dimension
// uniformly within its bounds, a list dimension uniformly among its values.
// The points depend only on (seed, n, dims).
func Random(seed uint64, n int, dims ...Dim) (*Space, error) {
	sp, err := newSpace("random", dims)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > maxPoints {
		return nil, fmt.Errorf("sweep: random sample of %d points, want 1..%d: %w", n, maxPoints, ErrInvalidSpace)
	}
	sp.kind = "random/" + strconv.FormatUint(seed, 10)
	r := sim.NewStream(seed, "sweep/space/random")
	for range n {
		p := make([]Value, len(dims))
		for j, d := range dims {
			p[j] = d.at(r.Float64())
		}
		sp.points = append(sp.points, p)
	}
	return sp, nil
}

// LatinHypercube is n points such that, in every dimension, each of n equal
// strata of the range holds exactly one point; a list dimension maps the
// strata onto its values, so each value gets an equal share (±1) of the
// points. It covers every parameter evenly with far fewer points than a
// grid. The points depend only on (seed, n, dims).
func LatinHypercube(seed uint64, n int, dims ...Dim) (*Space, error) {
	sp, err := newSpace("lhs", dims)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > maxPoints {
		return nil, fmt.Errorf("sweep: Latin hypercube of %d points, want 1..%d: %w", n, maxPoints, ErrInvalidSpace)
	}
	sp.kind = "lhs/" + strconv.FormatUint(seed, 10)
	r := sim.NewStream(seed, "sweep/space/lhs")
	sp.points = make([][]Value, n)
	for i := range sp.points {
		sp.points[i] = make([]Value, len(dims))
	}
	for j, d := range dims {
		perm := r.Perm(n)
		for i := range n {
			u := (float64(perm[i]) + r.Float64()) / float64(n)
			sp.points[i][j] = d.at(u)
		}
	}
	return sp, nil
}

// at maps u in [0, 1) to a value of the dimension.
func (d Dim) at(u float64) Value {
	if !d.IsRange {
		k := min(int(u*float64(len(d.Values))), len(d.Values)-1)
		return d.Values[k]
	}
	switch d.Kind {
	case Int:
		span := float64(d.Hi.i-d.Lo.i) + 1
		return Value{kind: Int, i: d.Lo.i + min(int64(u*span), d.Hi.i-d.Lo.i)}
	case Duration:
		span := float64(d.Hi.i-d.Lo.i) + 1
		return Value{kind: Duration, i: d.Lo.i + min(int64(u*span), d.Hi.i-d.Lo.i)}
	}
	return FloatValue(d.Lo.f + u*(d.Hi.f-d.Lo.f))
}

// Len returns the number of points.
func (sp *Space) Len() int { return len(sp.points) }

// Names returns the parameter names in column order.
func (sp *Space) Names() []string { return slices.Clone(sp.names) }

// Point returns point i (0 ≤ i < Len()).
func (sp *Space) Point(i int) Point { return Point{Index: i, sp: sp} }

// Point is one point of a Space.
type Point struct {
	// Index is the point's position in its space.
	Index int
	sp    *Space
}

// Names returns the parameter names in column order.
func (p Point) Names() []string { return p.sp.Names() }

// Values returns the point's values in column order.
func (p Point) Values() []Value { return slices.Clone(p.sp.points[p.Index]) }

// Lookup returns the value of a parameter.
func (p Point) Lookup(name string) (Value, bool) {
	j := slices.Index(p.sp.names, name)
	if j < 0 {
		return Value{}, false
	}
	return p.sp.points[p.Index][j], true
}

// String describes the point as "name=value name=value".
func (p Point) String() string {
	var b strings.Builder
	for j, name := range p.sp.names {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(p.sp.points[p.Index][j].String())
	}
	return b.String()
}
