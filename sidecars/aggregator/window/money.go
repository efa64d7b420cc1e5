package window

import (
	"math/big"
	"math/bits"
	"strconv"
)

// currencyExponents lists the ISO 4217 currencies whose minor unit is not
// 1/100 of the major unit. Unknown codes and a null currency use 2.
var currencyExponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

func currencyExponent(code *string) int {
	if code == nil {
		return 2
	}
	if e, ok := currencyExponents[*code]; ok {
		return e
	}
	return 2
}

var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// toMinor returns price × qty × 10^exp rounded half away from zero, where
// price is taken as the shortest decimal that round-trips the float (19.99,
// not 19.989999999999998). Working on that decimal rather than on the
// binary product keeps 0.285 × 100 at 29 rather than 28. price must be
// finite and non-negative, qty positive; ok is false on int64 overflow.
func toMinor(price float64, qty int64, exp int) (int64, bool) {
	var buf [40]byte
	s := strconv.AppendFloat(buf[:0], price, 'f', -1, 64)
	var mant uint64
	scale, seenDot := 0, false
	for _, c := range s {
		if c == '.' {
			seenDot = true
			continue
		}
		hi, lo := bits.Mul64(mant, 10)
		if hi != 0 || lo+uint64(c-'0') < lo {
			return toMinorBig(s, qty, exp)
		}
		mant = lo + uint64(c-'0')
		if seenDot {
			scale++
		}
	}
	hi, n := bits.Mul64(mant, uint64(qty))
	if hi != 0 {
		return toMinorBig(s, qty, exp)
	}
	switch shift := exp - scale; {
	case shift >= 0:
		if shift >= len(pow10) {
			return toMinorBig(s, qty, exp)
		}
		if hi, n = bits.Mul64(n, pow10[shift]); hi != 0 {
			return toMinorBig(s, qty, exp)
		}
	default:
		if -shift >= len(pow10) {
			return toMinorBig(s, qty, exp)
		}
		d := pow10[-shift]
		q, r := n/d, n%d
		if r >= d-r { // r*2 >= d without overflow: half rounds up (away from zero)
			q++
		}
		n = q
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// toMinorBig is the exact slow path for values with more than 19 digits.
func toMinorBig(decimal []byte, qty int64, exp int) (int64, bool) {
	r, ok := new(big.Rat).SetString(string(decimal))
	if !ok {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt64(qty))
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	// Half away from zero for a non-negative value: floor(r + 1/2).
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}
