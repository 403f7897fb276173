package workload

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidConfig is wrapped by every configuration error: a negative rate,
// a missing handler, a bad Zipf exponent.
var ErrInvalidConfig = errors.New("invalid config")

// ErrBadRecord is wrapped by every error about a request-log record: a
// malformed line, a bad field, a timestamp out of order.
var ErrBadRecord = errors.New("bad record")

// ErrZeroTimeLoop is reported by ClosedLoop.Err when a user had to be
// stopped because its requests were answered in zero time with zero think
// time, which would keep the run at one instant forever.
var ErrZeroTimeLoop = errors.New("zero-time loop")

// ErrSkipLine is returned by a LineParser for a line that holds no request,
// such as a comment or a header; the reader moves on to the next line.
var ErrSkipLine = errors.New("workload: skip line")

// FieldError reports a bad field of a request-log record.
type FieldError struct {
	// Line is the 1-based line number in the input (0 when unknown).
	Line int
	// Field names the field, such as "timestamp" or "bytes"; empty when the
	// whole line is malformed.
	Field string
	// Err says what is wrong.
	Err error
}

// Error formats the error as "line 12: field bytes: ...".
func (e *FieldError) Error() string {
	msg := "workload: "
	if e.Line > 0 {
		msg += fmt.Sprintf("line %d: ", e.Line)
	}
	if e.Field != "" {
		msg += "field " + e.Field + ": "
	}
	return msg + e.Err.Error()
}

// Unwrap lets errors.Is match ErrBadRecord and the underlying cause.
func (e *FieldError) Unwrap() []error { return []error{ErrBadRecord, e.Err} }

func configErr(format string, args ...any) error {
	return fmt.Errorf("workload: "+format+": %w", append(args, ErrInvalidConfig)...)
}

// contextErr prefixes an error from a nested Validate with the object that
// holds it, keeping one "workload: " prefix and the error chain.
type contextErr struct {
	msg string
	err error
}

func (e *contextErr) Error() string { return e.msg }
func (e *contextErr) Unwrap() error { return e.err }

func configErrWrap(context string, err error) error {
	return &contextErr{"workload: " + context + ": " + strings.TrimPrefix(err.Error(), "workload: "), err}
}

// validate calls v.Validate when v has one.
func validate(v any) error {
	if x, ok := v.(interface{ Validate() error }); ok {
		return x.Validate()
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }
