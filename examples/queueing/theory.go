package main

import "math"

// mmc is an M/M/c queue: Poisson arrivals at rate lambda, exponential
// service at rate mu per server, c servers, FCFS. It must be stable
// (lambda < c·mu).
type mmc struct {
	c          int
	lambda, mu float64
}

// erlangC is the probability that an arrival waits:
//
//	C(c, a) = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)),  a = λ/μ.
func (m mmc) erlangC() float64 {
	a := m.lambda / m.mu
	term, sum := 1.0, 1.0 // a^k/k!, summed for k < c
	for k := 1; k < m.c; k++ {
		term *= a / float64(k)
		sum += term
	}
	top := term * a / float64(m.c) / (1 - a/float64(m.c))
	return top / (sum + top)
}

// meanWait is Wq = C / (cμ − λ).
func (m mmc) meanWait() float64 { return m.erlangC() / (float64(m.c)*m.mu - m.lambda) }

// responseTail is P(T > t) for the response time T = Wq + S: Wq is 0 with
// probability 1 − C and otherwise exponential with rate θ = cμ − λ; S is
// exponential with rate μ.
func (m mmc) responseTail(t float64) float64 {
	pc, mu := m.erlangC(), m.mu
	theta := float64(m.c)*mu - m.lambda
	var both float64 // P(E_θ + E_μ > t)
	if math.Abs(theta-mu) < 1e-12*mu {
		both = (1 + mu*t) * math.Exp(-mu*t)
	} else {
		both = (mu*math.Exp(-theta*t) - theta*math.Exp(-mu*t)) / (mu - theta)
	}
	return (1-pc)*math.Exp(-mu*t) + pc*both
}

// responseQuantile solves P(T > t) = 1 − q by bisection.
func (m mmc) responseQuantile(q float64) float64 {
	lo, hi := 0.0, 1/m.mu
	for m.responseTail(hi) > 1-q {
		hi *= 2
	}
	for k := 0; k < 200 && hi-lo > 1e-12*hi; k++ {
		mid := (lo + hi) / 2
		if m.responseTail(mid) > 1-q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
