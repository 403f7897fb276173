package sweep

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGridOrderIsRowMajor(t *testing.T) {
	sp, err := Grid(Strings("type", "a", "b"), Ints("n", 1, 2, 3), Durations("d", time.Second))
	require.NoError(t, err)
	require.Equal(t, 6, sp.Len())
	var got []string
	for i := range sp.Len() {
		got = append(got, sp.Point(i).String())
	}
	assert.Equal(t, []string{
		"type=a n=1 d=1s", "type=a n=2 d=1s", "type=a n=3 d=1s",
		"type=b n=1 d=1s", "type=b n=2 d=1s", "type=b n=3 d=1s",
	}, got)
	v, ok := sp.Point(4).Lookup("n")
	require.True(t, ok)
	assert.Equal(t, 2, v.Int())
	_, ok = sp.Point(4).Lookup("nope")
	assert.False(t, ok)
}

func TestSpaceErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func() (*Space, error)
		want  error
	}{
		{"grid without dimensions", func() (*Space, error) { return Grid() }, ErrInvalidSpace},
		{"dimension without values", func() (*Space, error) { return Grid(Ints("n")) }, ErrInvalidSpace},
		{"duplicate name", func() (*Space, error) { return Grid(Ints("n", 1), Floats("n", 2)) }, ErrInvalidSpace},
		{"empty name", func() (*Space, error) { return Grid(Ints("", 1)) }, ErrInvalidSpace},
		{"comma in name", func() (*Space, error) { return Grid(Ints("a,b", 1)) }, ErrInvalidSpace},
		{"newline in value", func() (*Space, error) { return Grid(Strings("s", "a\nb")) }, ErrInvalidSpace},
		{"NaN value", func() (*Space, error) { return Grid(Floats("f", nan())) }, ErrInvalidSpace},
		{"range in grid", func() (*Space, error) { return Grid(FloatRange("f", 0, 1)) }, ErrInvalidSpace},
		{"inverted range", func() (*Space, error) { return Random(1, 5, IntRange("n", 5, 1)) }, ErrInvalidSpace},
		{"zero samples", func() (*Space, error) { return LatinHypercube(1, 0, FloatRange("f", 0, 1)) }, ErrInvalidSpace},
		{"list without points", func() (*Space, error) { return List([]string{"n"}) }, ErrInvalidSpace},
		{"list point lacks a parameter", func() (*Space, error) {
			return List([]string{"n", "s"},
				map[string]Value{"n": IntValue(1), "s": StringValue("x")},
				map[string]Value{"n": IntValue(2)})
		}, ErrUnknownParam},
		{"list point has an unknown parameter", func() (*Space, error) {
			return List([]string{"n"}, map[string]Value{"n": IntValue(1), "typo": IntValue(2)})
		}, ErrUnknownParam},
		{"list kinds differ", func() (*Space, error) {
			return List([]string{"n"}, map[string]Value{"n": IntValue(1)}, map[string]Value{"n": FloatValue(2)})
		}, ErrInvalidSpace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := tt.build()
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, sp)
		})
	}
}

func TestRandomIsSeededAndInRange(t *testing.T) {
	dims := []Dim{IntRange("n", 2, 5), FloatRange("f", -1, 1), DurationRange("d", time.Second, time.Minute), Strings("s", "x", "y")}
	a, err := Random(7, 200, dims...)
	require.NoError(t, err)
	b, err := Random(7, 200, dims...)
	require.NoError(t, err)
	c, err := Random(8, 200, dims...)
	require.NoError(t, err)
	assert.Equal(t, a.points, b.points)
	assert.NotEqual(t, a.points, c.points)
	ints := map[int]int{}
	for i := range a.Len() {
		p := a.Point(i)
		n, _ := p.Lookup("n")
		f, _ := p.Lookup("f")
		d, _ := p.Lookup("d")
		ints[n.Int()]++
		assert.True(t, f.Float() >= -1 && f.Float() < 1)
		assert.True(t, d.Duration() >= time.Second && d.Duration() <= time.Minute)
	}
	// Both ends of an inclusive integer range occur: 200 draws over 4
	// values miss one with probability 4·(3/4)^200 ≈ 1e-25.
	assert.Len(t, ints, 4)
}

// In a Latin hypercube every dimension has exactly one point per stratum.
func TestLatinHypercubeStrata(t *testing.T) {
	const n = 50
	sp, err := LatinHypercube(3, n, FloatRange("f", 10, 20), DurationRange("d", 0, 50*time.Second), Strings("s", "a", "b", "c", "d", "e"))
	require.NoError(t, err)
	fs, ds, ss := make([]int, n), make([]int, n), map[string]int{}
	for i := range n {
		p := sp.Point(i)
		f, _ := p.Lookup("f")
		d, _ := p.Lookup("d")
		s, _ := p.Lookup("s")
		fs[int((f.Float()-10)/10*n)]++
		ds[int(d.Duration()/time.Second)]++
		ss[s.String()]++
	}
	for k := range n {
		assert.Equal(t, 1, fs[k], "float stratum %d", k)
		assert.Equal(t, 1, ds[k], "duration stratum %d", k)
	}
	// 50 strata over 5 values: 10 each.
	assert.Equal(t, map[string]int{"a": 10, "b": 10, "c": 10, "d": 10, "e": 10}, ss)
	other, err := LatinHypercube(4, n, FloatRange("f", 10, 20), DurationRange("d", 0, 50*time.Second), Strings("s", "a", "b", "c", "d", "e"))
	require.NoError(t, err)
	assert.NotEqual(t, sp.points, other.points)
}

func TestValueFormatting(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{IntValue(-3), "-3"},
		{FloatValue(0.1), "0.1"},
		{FloatValue(1e21), "1e+21"},
		{DurationValue(90 * time.Second), "1m30s"},
		{StringValue("c7g.large"), "c7g.large"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.v.String())
	}
	assert.Equal(t, 3.0, IntValue(3).Float(), "ints read as floats")
	assert.Equal(t, 0, StringValue("x").Int())
}
