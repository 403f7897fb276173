package cloudwatch

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// Metric math: a small expression language over the results of named
// queries, a subset of CloudWatch's.
//
//	expr    = compare
//	compare = sum [ (">" | "<" | ">=" | "<=" | "==" | "!=") sum ]
//	sum     = product { ("+" | "-") product }
//	product = unary { ("*" | "/") unary }
//	unary   = "-" unary | primary
//	primary = number | id | FUNC "(" [ expr { "," expr } ] ")" | "(" expr ")"
//	        | "[" expr { "," expr } "]" | REPEAT | LINEAR
//
// Ids start with a lower-case letter (m1, e1, errors). Functions: ABS, AVG,
// DIFF, FILL(ts, value | REPEAT | LINEAR), IF(cond, a[, b]), MAX, MIN,
// RATE, SUM, and ANOMALY_DETECTION_BAND(metric id[, width]). In arithmetic between two series a missing value counts as 0
// (missing on both sides stays missing) and division by zero gives a missing
// value, as CloudWatch documents.

const (
	maxExprLen   = 2048
	maxExprDepth = 64
)

type node interface {
	eval(env *mathEnv) (mval, error)
}

type (
	numNode   float64
	refNode   string
	kwNode    string
	unaryNode struct{ x node }
	binNode   struct {
		op   string
		l, r node
	}
	callNode struct {
		fn   string
		args []node
	}
	arrNode []node
)

// mval is a metric-math value: a scalar, one series or an array of series.
// Series share a grid (start, period) and hold NaN where a value is missing.
type mval struct {
	kind   uint8
	num    float64
	ts     []float64
	arr    [][]float64
	names  []string // names of arr's series (bands: lower, upper)
	start  sim.Time
	period time.Duration
}

const (
	vScalar uint8 = iota
	vSeries
	vArray
	vKeyword
)

// mathEnv resolves query ids during evaluation; band computes
// ANOMALY_DETECTION_BAND of a metric query.
type mathEnv struct {
	resolve func(id string) (mval, error)
	band    func(id string, width float64) (mval, error)
}

type parser struct {
	src   string
	pos   int
	depth int
	refs  []string
}

// parseExpression parses a metric-math expression and returns its tree and
// the ids it references (sorted, without duplicates).
func parseExpression(src string) (node, []string, error) {
	if len(src) == 0 || len(src) > maxExprLen {
		return nil, nil, fmt.Errorf("cloudwatch: expression length %d, want 1 to %d: %w", len(src), maxExprLen, ErrInvalidParameter)
	}
	p := &parser{src: src}
	n, err := p.expr()
	if err == nil && p.peek() != "" {
		err = p.errorf("unexpected %q", p.peek())
	}
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(p.refs)
	return n, slices.Compact(p.refs), nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("cloudwatch: expression %q at offset %d: %s: %w", p.src, p.pos, fmt.Sprintf(format, args...), ErrInvalidParameter)
}

func (p *parser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
}

// peek returns the next token without consuming it ("" at the end).
func (p *parser) peek() string {
	p.skip()
	if p.pos >= len(p.src) {
		return ""
	}
	c := p.src[p.pos]
	switch {
	case strings.IndexByte("+-*/(),[]", c) >= 0:
		return p.src[p.pos : p.pos+1]
	case c == '<' || c == '>' || c == '=' || c == '!':
		if p.pos+1 < len(p.src) && p.src[p.pos+1] == '=' {
			return p.src[p.pos : p.pos+2]
		}
		return p.src[p.pos : p.pos+1]
	case isDigit(c) || c == '.':
		end := p.pos
		for end < len(p.src) && (isDigit(p.src[end]) || p.src[end] == '.' ||
			((p.src[end] == 'e' || p.src[end] == 'E') && end+1 < len(p.src)) ||
			((p.src[end] == '+' || p.src[end] == '-') && end > p.pos && (p.src[end-1] == 'e' || p.src[end-1] == 'E'))) {
			end++
		}
		return p.src[p.pos:end]
	case isIdentStart(c):
		end := p.pos
		for end < len(p.src) && (isIdentStart(p.src[end]) || isDigit(p.src[end])) {
			end++
		}
		return p.src[p.pos:end]
	}
	return p.src[p.pos : p.pos+1]
}

func (p *parser) next() string { t := p.peek(); p.pos += len(t); return t }

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func (p *parser) expect(tok string) error {
	if t := p.next(); t != tok {
		return p.errorf("want %q, got %q", tok, t)
	}
	return nil
}

func (p *parser) expr() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, p.errorf("nested deeper than %d", maxExprDepth)
	}
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	switch op := p.peek(); op {
	case ">", "<", ">=", "<=", "==", "!=":
		p.next()
		r, err := p.sum()
		if err != nil {
			return nil, err
		}
		return binNode{op, l, r}, nil
	}
	return l, nil
}

func (p *parser) sum() (node, error) {
	l, err := p.product()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.next()
		var r node
		if r, err = p.product(); err == nil {
			l = binNode{op, l, r}
		}
	}
	return l, err
}

func (p *parser) product() (node, error) {
	l, err := p.unary()
	for err == nil && (p.peek() == "*" || p.peek() == "/") {
		op := p.next()
		var r node
		if r, err = p.unary(); err == nil {
			l = binNode{op, l, r}
		}
	}
	return l, err
}

func (p *parser) unary() (node, error) {
	if p.peek() == "-" {
		p.next()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxExprDepth {
			return nil, p.errorf("nested deeper than %d", maxExprDepth)
		}
		x, err := p.unary()
		return unaryNode{x}, err
	}
	return p.primary()
}

var mathFuncs = map[string][2]int{ // name → min, max argument count
	"ABS": {1, 1}, "ANOMALY_DETECTION_BAND": {1, 2}, "AVG": {1, 1}, "DIFF": {1, 1}, "FILL": {2, 2}, "IF": {2, 3},
	"MAX": {1, 1}, "MIN": {1, 1}, "RATE": {1, 1}, "SUM": {1, 1},
}

func (p *parser) primary() (node, error) {
	tok := p.next()
	switch {
	case tok == "":
		return nil, p.errorf("unexpected end")
	case tok == "(":
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	case tok == "[":
		var arr arrNode
		for {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			arr = append(arr, x)
			if t := p.next(); t == "]" {
				return arr, nil
			} else if t != "," {
				return nil, p.errorf("want , or ] in array, got %q", t)
			}
		}
	case isDigit(tok[0]) || tok[0] == '.':
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil || math.IsInf(v, 0) {
			return nil, p.errorf("bad number %q", tok)
		}
		return numNode(v), nil
	case tok == "REPEAT" || tok == "LINEAR":
		return kwNode(tok), nil
	case isIdentStart(tok[0]) && p.peek() == "(":
		arity, ok := mathFuncs[tok]
		if !ok {
			return nil, p.errorf("unknown function %s", tok)
		}
		p.next()
		var args []node
		if p.peek() != ")" {
			for {
				x, err := p.expr()
				if err != nil {
					return nil, err
				}
				args = append(args, x)
				if p.peek() != "," {
					break
				}
				p.next()
			}
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if len(args) < arity[0] || len(args) > arity[1] {
			return nil, p.errorf("%s takes %d to %d arguments, got %d", tok, arity[0], arity[1], len(args))
		}
		return callNode{tok, args}, nil
	case tok[0] >= 'a' && tok[0] <= 'z':
		if !validID(tok) {
			return nil, p.errorf("%q is not a query id (at most 255 letters, digits and underscores)", tok)
		}
		p.refs = append(p.refs, tok)
		return refNode(tok), nil
	}
	return nil, p.errorf("unexpected %q", tok)
}

func (n numNode) eval(*mathEnv) (mval, error) { return mval{kind: vScalar, num: float64(n)}, nil }
func (n kwNode) eval(*mathEnv) (mval, error)  { return mval{kind: vKeyword}, nil }
func (n refNode) eval(env *mathEnv) (mval, error) {
	return env.resolve(string(n))
}

func (n unaryNode) eval(env *mathEnv) (mval, error) {
	x, err := n.x.eval(env)
	if err != nil {
		return x, err
	}
	return mapValues(x, func(v float64) float64 { return -v })
}

func (n arrNode) eval(env *mathEnv) (mval, error) {
	out := mval{kind: vArray}
	for i, e := range n {
		x, err := e.eval(env)
		if err != nil {
			return x, err
		}
		switch x.kind {
		case vSeries:
			if i > 0 && (x.start != out.start || x.period != out.period || len(x.ts) != len(out.arr[0])) {
				return x, fmt.Errorf("cloudwatch: array mixes series with different periods: %w", ErrInvalidParameter)
			}
			out.arr = append(out.arr, x.ts)
			out.start, out.period = x.start, x.period
		case vArray:
			if i > 0 && (x.start != out.start || x.period != out.period) {
				return x, fmt.Errorf("cloudwatch: array mixes series with different periods: %w", ErrInvalidParameter)
			}
			out.arr = append(out.arr, x.arr...)
			out.start, out.period = x.start, x.period
		default:
			return x, fmt.Errorf("cloudwatch: array elements must be time series: %w", ErrInvalidParameter)
		}
	}
	return out, nil
}

// mapValues applies f to every value of x (NaN stays NaN).
func mapValues(x mval, f func(float64) float64) (mval, error) {
	apply := func(in []float64) []float64 {
		out := make([]float64, len(in))
		for i, v := range in {
			out[i] = math.NaN()
			if !math.IsNaN(v) {
				out[i] = f(v)
			}
		}
		return out
	}
	switch x.kind {
	case vScalar:
		x.num = f(x.num)
	case vSeries:
		x.ts = apply(x.ts)
	case vArray:
		arr := make([][]float64, len(x.arr))
		for i, ts := range x.arr {
			arr[i] = apply(ts)
		}
		x.arr = arr
	default:
		return x, fmt.Errorf("cloudwatch: REPEAT and LINEAR are only FILL arguments: %w", ErrInvalidParameter)
	}
	return x, nil
}

func arith(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		if b == 0 {
			return math.NaN()
		}
		return a / b
	}
	var r bool
	switch op {
	case ">":
		r = a > b
	case "<":
		r = a < b
	case ">=":
		r = a >= b
	case "<=":
		r = a <= b
	case "==":
		r = a == b
	default:
		r = a != b
	}
	if r {
		return 1
	}
	return 0
}

func (n binNode) eval(env *mathEnv) (mval, error) {
	l, err := n.l.eval(env)
	if err != nil {
		return l, err
	}
	r, err := n.r.eval(env)
	if err != nil {
		return r, err
	}
	if l.kind == vKeyword || r.kind == vKeyword {
		return l, fmt.Errorf("cloudwatch: REPEAT and LINEAR are only FILL arguments: %w", ErrInvalidParameter)
	}
	cmpOp := len(n.op) == 2 || n.op == "<" || n.op == ">"
	switch {
	case l.kind == vScalar && r.kind == vScalar:
		return mval{kind: vScalar, num: arith(n.op, l.num, r.num)}, nil
	case r.kind == vScalar:
		return mapValues(l, func(v float64) float64 { return arith(n.op, v, r.num) })
	case l.kind == vScalar:
		return mapValues(r, func(v float64) float64 { return arith(n.op, l.num, v) })
	case l.kind == vSeries && r.kind == vSeries:
		if l.start != r.start || l.period != r.period || len(l.ts) != len(r.ts) {
			return l, fmt.Errorf("cloudwatch: %s between series with different periods: %w", n.op, ErrInvalidParameter)
		}
		out := make([]float64, len(l.ts))
		for i := range out {
			a, b := l.ts[i], r.ts[i]
			switch {
			case math.IsNaN(a) && math.IsNaN(b), cmpOp && (math.IsNaN(a) || math.IsNaN(b)):
				out[i] = math.NaN()
				continue
			case math.IsNaN(a):
				a = 0
			case math.IsNaN(b):
				b = 0
			}
			out[i] = arith(n.op, a, b)
		}
		l.ts = out
		return l, nil
	}
	return l, fmt.Errorf("cloudwatch: %s between an array and a series is not supported: %w", n.op, ErrInvalidParameter)
}

// reduce folds the non-missing values of vs with f; NaN when all are missing.
func reduce(vs []float64, f func(acc, v float64) float64, avg bool) float64 {
	acc, n := math.NaN(), 0
	for _, v := range vs {
		if math.IsNaN(v) {
			continue
		}
		if n == 0 {
			acc = v
		} else {
			acc = f(acc, v)
		}
		n++
	}
	if avg && n > 0 {
		acc /= float64(n)
	}
	return acc
}

func (n callNode) eval(env *mathEnv) (mval, error) {
	if n.fn == "ANOMALY_DETECTION_BAND" {
		return n.band(env)
	}
	args := make([]mval, len(n.args))
	for i, a := range n.args {
		v, err := a.eval(env)
		if err != nil {
			return v, err
		}
		args[i] = v
		if v.kind == vKeyword && !(n.fn == "FILL" && i == 1) {
			return v, fmt.Errorf("cloudwatch: REPEAT and LINEAR are only FILL arguments: %w", ErrInvalidParameter)
		}
	}
	x := args[0]
	switch n.fn {
	case "ABS":
		return mapValues(x, math.Abs)
	case "SUM", "AVG", "MIN", "MAX":
		f := map[string]func(a, b float64) float64{
			"SUM": func(a, b float64) float64 { return a + b }, "AVG": func(a, b float64) float64 { return a + b },
			"MIN": math.Min, "MAX": math.Max,
		}[n.fn]
		avg := n.fn == "AVG"
		switch x.kind {
		case vScalar:
			return x, nil
		case vSeries: // over time: a scalar
			return mval{kind: vScalar, num: reduce(x.ts, f, avg)}, nil
		default: // across series: one series
			out := make([]float64, len(x.arr[0]))
			col := make([]float64, len(x.arr))
			for i := range out {
				for j, ts := range x.arr {
					col[j] = ts[i]
				}
				out[i] = reduce(col, f, avg)
			}
			return mval{kind: vSeries, ts: out, start: x.start, period: x.period}, nil
		}
	case "RATE", "DIFF":
		rate := n.fn == "RATE"
		return seriesFunc(x, func(ts []float64, period time.Duration) []float64 {
			out := make([]float64, len(ts))
			prev := -1
			for i, v := range ts {
				out[i] = math.NaN()
				if math.IsNaN(v) {
					continue
				}
				if prev >= 0 {
					out[i] = v - ts[prev]
					if rate {
						out[i] /= (time.Duration(i-prev) * period).Seconds()
					}
				}
				prev = i
			}
			return out
		})
	case "FILL":
		return fill(x, args[1], n.args[1])
	case "IF":
		return ifFunc(args)
	}
	return x, fmt.Errorf("cloudwatch: unknown function %s: %w", n.fn, ErrInvalidParameter)
}

// seriesFunc applies f to a series or to each series of an array.
func seriesFunc(x mval, f func(ts []float64, period time.Duration) []float64) (mval, error) {
	switch x.kind {
	case vSeries:
		x.ts = f(x.ts, x.period)
	case vArray:
		arr := make([][]float64, len(x.arr))
		for i, ts := range x.arr {
			arr[i] = f(ts, x.period)
		}
		x.arr = arr
	default:
		return x, fmt.Errorf("cloudwatch: function needs a time series: %w", ErrInvalidParameter)
	}
	return x, nil
}

func fill(x, with mval, withNode node) (mval, error) {
	kw, _ := withNode.(kwNode)
	if with.kind == vArray {
		return x, fmt.Errorf("cloudwatch: FILL value must be a number, a series, REPEAT or LINEAR: %w", ErrInvalidParameter)
	}
	if with.kind == vSeries && x.kind == vSeries && (with.start != x.start || with.period != x.period || len(with.ts) != len(x.ts)) {
		return x, fmt.Errorf("cloudwatch: FILL with a series of another period: %w", ErrInvalidParameter)
	}
	return seriesFunc(x, func(ts []float64, _ time.Duration) []float64 {
		out := slices.Clone(ts)
		last := -1
		for i, v := range ts {
			if !math.IsNaN(v) {
				if kw == "LINEAR" && last >= 0 && i-last > 1 {
					for j := last + 1; j < i; j++ {
						out[j] = ts[last] + (v-ts[last])*float64(j-last)/float64(i-last)
					}
				}
				last = i
				continue
			}
			switch {
			case kw == "REPEAT":
				if last >= 0 {
					out[i] = ts[last]
				}
			case kw == "LINEAR":
			case with.kind == vSeries:
				out[i] = with.ts[i]
			default:
				out[i] = with.num
			}
		}
		return out
	})
}

// ifFunc is IF(cond, a[, b]): a where cond is non-zero, else b (missing when
// b is absent or cond is missing).
func ifFunc(args []mval) (mval, error) {
	cond := args[0]
	if cond.kind != vSeries {
		if cond.kind != vScalar {
			return cond, fmt.Errorf("cloudwatch: IF condition must be a series or a number: %w", ErrInvalidParameter)
		}
		switch {
		case cond.num != 0:
			return args[1], nil
		case len(args) == 3:
			return args[2], nil
		}
		return mval{kind: vScalar, num: math.NaN()}, nil
	}
	at := func(v mval, i int) (float64, error) {
		switch v.kind {
		case vScalar:
			return v.num, nil
		case vSeries:
			if v.start != cond.start || v.period != cond.period || len(v.ts) != len(cond.ts) {
				return 0, fmt.Errorf("cloudwatch: IF over series with different periods: %w", ErrInvalidParameter)
			}
			return v.ts[i], nil
		}
		return 0, fmt.Errorf("cloudwatch: IF branches must be series or numbers: %w", ErrInvalidParameter)
	}
	out := make([]float64, len(cond.ts))
	for i, c := range cond.ts {
		out[i] = math.NaN()
		var err error
		switch {
		case math.IsNaN(c):
		case c != 0:
			out[i], err = at(args[1], i)
		case len(args) == 3:
			out[i], err = at(args[2], i)
		}
		if err != nil {
			return cond, err
		}
	}
	cond.ts = out
	return cond, nil
}

// DefaultBandWidth is ANOMALY_DETECTION_BAND's width when none is given, in
// standard deviations (the console's default, 2, is unverified).
const DefaultBandWidth = 2

func (n callNode) band(env *mathEnv) (mval, error) {
	ref, ok := n.args[0].(refNode)
	if !ok || env.band == nil {
		return mval{}, fmt.Errorf("cloudwatch: ANOMALY_DETECTION_BAND needs the id of a metric query: %w", ErrInvalidParameter)
	}
	width := float64(DefaultBandWidth)
	if len(n.args) == 2 {
		w, ok := n.args[1].(numNode)
		if !ok || w <= 0 {
			return mval{}, fmt.Errorf("cloudwatch: ANOMALY_DETECTION_BAND width must be a positive number: %w", ErrInvalidParameter)
		}
		width = float64(w)
	}
	return env.band(string(ref), width)
}
