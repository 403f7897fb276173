package cloudwatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStatisticSetAdd(t *testing.T) {
	var s StatisticSet
	for _, v := range []float64{3, -1, 7, 2} {
		s.Add(v)
	}
	assert.Equal(t, StatisticSet{SampleCount: 4, Sum: 11, Minimum: -1, Maximum: 7}, s)
}
