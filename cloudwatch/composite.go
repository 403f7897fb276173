package cloudwatch

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/nimbus-sim/nimbus/sim"
)

// CompositeAlarmConfig defines a composite alarm (PutCompositeAlarm).
type CompositeAlarmConfig struct {
	// AlarmName is unique among metric and composite alarms.
	AlarmName string
	// AlarmDescription is free text.
	AlarmDescription string
	// AlarmRule combines other alarms' states, such as
	// `ALARM("cpu-high") AND NOT OK(latency)`: the functions ALARM, OK and
	// INSUFFICIENT_DATA of an alarm name (quoted or bare), TRUE and FALSE,
	// joined by AND, OR and NOT (binding tightest) with parentheses. Every
	// named alarm must exist; at most 100 are named.
	AlarmRule string
	// ActionsDisabled stops actions from running (AWS ActionsEnabled=false).
	ActionsDisabled bool
	// Actions per state; ScalingPolicy actions are not allowed, as in AWS.
	AlarmActions, OKActions, InsufficientDataActions []AlarmAction
}

// ruleNode is a parsed alarm rule.
type ruleNode interface {
	holds() bool
	children(acc []*Alarm) []*Alarm
}

type (
	ruleConst bool
	ruleState struct {
		state StateValue
		a     *Alarm
	}
	ruleNot  struct{ x ruleNode }
	ruleBool struct {
		and  bool
		l, r ruleNode
	}
)

func (r ruleConst) holds() bool                    { return bool(r) }
func (r ruleConst) children(acc []*Alarm) []*Alarm { return acc }
func (r ruleState) holds() bool                    { return r.a.state == r.state }
func (r ruleState) children(acc []*Alarm) []*Alarm { return append(acc, r.a) }
func (r ruleNot) holds() bool                      { return !r.x.holds() }
func (r ruleNot) children(acc []*Alarm) []*Alarm   { return r.x.children(acc) }
func (r ruleBool) children(acc []*Alarm) []*Alarm  { return r.r.children(r.l.children(acc)) }
func (r ruleBool) holds() bool {
	if r.and {
		return r.l.holds() && r.r.holds()
	}
	return r.l.holds() || r.r.holds()
}

const maxRuleLen = 10240

type ruleParser struct {
	src    string
	pos    int
	depth  int
	lookup func(name string) (*Alarm, error)
}

// parseRule parses an AlarmRule; lookup resolves alarm names.
func parseRule(src string, lookup func(string) (*Alarm, error)) (ruleNode, error) {
	if strings.TrimSpace(src) == "" || len(src) > maxRuleLen {
		return nil, fmt.Errorf("cloudwatch: AlarmRule length %d, want 1 to %d: %w", len(src), maxRuleLen, ErrInvalidParameter)
	}
	p := &ruleParser{src: src, lookup: lookup}
	n, err := p.or()
	if err == nil && p.peekWord() != "" {
		err = p.errorf("unexpected %q", p.peekWord())
	}
	return n, err
}

func (p *ruleParser) errorf(format string, args ...any) error {
	return fmt.Errorf("cloudwatch: AlarmRule %q at offset %d: %s: %w", p.src, p.pos, fmt.Sprintf(format, args...), ErrInvalidParameter)
}

func (p *ruleParser) skip() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// peekWord returns the next token: "(", ")", or a run of letters and _.
func (p *ruleParser) peekWord() string {
	p.skip()
	if p.pos >= len(p.src) {
		return ""
	}
	if c := p.src[p.pos]; c == '(' || c == ')' {
		return p.src[p.pos : p.pos+1]
	}
	end := p.pos
	for end < len(p.src) && (isIdentStart(p.src[end])) {
		end++
	}
	if end == p.pos {
		return p.src[p.pos : p.pos+1]
	}
	return p.src[p.pos:end]
}

func (p *ruleParser) word() string { w := p.peekWord(); p.pos += len(w); return w }

func (p *ruleParser) or() (ruleNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, p.errorf("nested deeper than %d", maxExprDepth)
	}
	l, err := p.and()
	for err == nil && p.peekWord() == "OR" {
		p.word()
		var r ruleNode
		if r, err = p.and(); err == nil {
			l = ruleBool{false, l, r}
		}
	}
	return l, err
}

func (p *ruleParser) and() (ruleNode, error) {
	l, err := p.not()
	for err == nil && p.peekWord() == "AND" {
		p.word()
		var r ruleNode
		if r, err = p.not(); err == nil {
			l = ruleBool{true, l, r}
		}
	}
	return l, err
}

func (p *ruleParser) not() (ruleNode, error) {
	if p.peekWord() == "NOT" {
		p.word()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxExprDepth {
			return nil, p.errorf("nested deeper than %d", maxExprDepth)
		}
		x, err := p.not()
		return ruleNot{x}, err
	}
	return p.atom()
}

func (p *ruleParser) atom() (ruleNode, error) {
	switch w := p.word(); w {
	case "TRUE", "FALSE":
		return ruleConst(w == "TRUE"), nil
	case "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.word() != ")" {
			return nil, p.errorf("want )")
		}
		return x, nil
	case "ALARM", "OK", "INSUFFICIENT_DATA":
		if p.word() != "(" {
			return nil, p.errorf("want ( after %s", w)
		}
		name, err := p.alarmName()
		if err != nil {
			return nil, err
		}
		a, err := p.lookup(name)
		if err != nil {
			return nil, err
		}
		return ruleState{StateValue(w), a}, nil
	case "":
		return nil, p.errorf("unexpected end")
	default:
		return nil, p.errorf("unexpected %q", w)
	}
}

// alarmName reads a quoted or bare alarm name and the closing parenthesis.
func (p *ruleParser) alarmName() (string, error) {
	p.skip()
	var name string
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			return "", p.errorf("unterminated quoted alarm name")
		}
		name = p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
	} else {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return "", p.errorf("want )")
		}
		name = strings.TrimSpace(p.src[p.pos : p.pos+end])
		p.pos += end
	}
	if p.word() != ")" {
		return "", p.errorf("want ) after alarm name")
	}
	if name == "" {
		return "", p.errorf("empty alarm name")
	}
	return name, nil
}

// PutCompositeAlarm creates or replaces a composite alarm. Its state is
// ALARM when the rule holds and OK otherwise; it is evaluated at once and
// again whenever an alarm it names changes state.
func (cw *CloudWatch) PutCompositeAlarm(cfg CompositeAlarmConfig) (*Alarm, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("cloudwatch: composite alarm %q: %s: %w", cfg.AlarmName, fmt.Sprintf(format, args...), ErrInvalidParameter)
	}
	if cfg.AlarmName == "" || len(cfg.AlarmName) > 255 {
		return nil, bad("AlarmName must be 1 to 255 characters")
	}
	old := cw.alarms[cfg.AlarmName]
	if old != nil && old.comp == nil {
		return nil, bad("a metric alarm has this name")
	}
	for _, acts := range [][]AlarmAction{cfg.AlarmActions, cfg.OKActions, cfg.InsufficientDataActions} {
		for _, act := range acts {
			if act == nil {
				return nil, bad("nil action")
			}
			if _, ok := act.(ScalingPolicy); ok {
				return nil, bad("composite alarms cannot invoke scaling policies")
			}
		}
	}
	rule, err := parseRule(cfg.AlarmRule, func(name string) (*Alarm, error) {
		a := cw.alarms[name]
		if a == nil {
			return nil, bad("rule names alarm %q, which does not exist", name)
		}
		if old != nil && (a == old || old.reaches(a)) {
			return nil, bad("rule names alarm %q, which would make a cycle", name)
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	kids := slices.Compact(sortedAlarms(rule.children(nil)))
	if len(kids) > 100 {
		return nil, bad("rule names %d alarms > 100", len(kids))
	}
	now := cw.s.Now()
	a := old
	if a == nil {
		a = &Alarm{cw: cw, name: cfg.AlarmName, state: StateInsufficientData, updated: now, lastValue: math.NaN(),
			reason: "Unchecked: Initial alarm creation"}
		cw.alarms[a.name] = a
		cw.alarmOrder = append(cw.alarmOrder, a)
		a.addHistory(HistoryItem{Timestamp: now, Type: "ConfigurationUpdate", Summary: fmt.Sprintf("Alarm %q created", a.name)})
	} else {
		for _, c := range old.rule.children(nil) {
			c.watchers = slices.DeleteFunc(c.watchers, func(w *Alarm) bool { return w == old })
		}
		a.addHistory(HistoryItem{Timestamp: now, Type: "ConfigurationUpdate", Summary: fmt.Sprintf("Alarm %q updated", a.name)})
	}
	c := cfg
	a.comp, a.rule = &c, rule
	for _, k := range kids {
		k.watchers = append(k.watchers, a)
	}
	if cw.s.Tracing() {
		cw.s.Trace("cloudwatch", "PutCompositeAlarm", a.name, sim.F("rule", cfg.AlarmRule))
	}
	a.evaluateRule(now)
	return a, nil
}

func sortedAlarms(as []*Alarm) []*Alarm {
	slices.SortFunc(as, func(x, y *Alarm) int { return strings.Compare(x.name, y.name) })
	return as
}

// reaches reports whether composite a's state depends on b through rules,
// i.e. whether b watches a directly or indirectly.
func (a *Alarm) reaches(b *Alarm) bool {
	for _, w := range a.watchers {
		if w == b || w.reaches(b) {
			return true
		}
	}
	return false
}

// evaluateRule recomputes a composite alarm's state.
func (a *Alarm) evaluateRule(now sim.Time) {
	next := StateOK
	if a.rule.holds() {
		next = StateAlarm
	}
	if next == a.state {
		return
	}
	var names []string
	for _, k := range slices.Compact(sortedAlarms(a.rule.children(nil))) {
		if k.state == StateAlarm {
			names = append(names, k.name)
		}
	}
	reason := fmt.Sprintf("AlarmRule %q evaluated to %s; alarms in ALARM: [%s]",
		a.comp.AlarmRule, next, strings.Join(names, ", "))
	a.setState(next, reason, now)
}
