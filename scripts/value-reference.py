#!/usr/bin/env python3
"""Reference values for the value models' tests, computed independently of the Rust code with
mpmath at 50 significant digits, straight from the published formulas:

- BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): the individual
  likelihood, P(alive), the conditional expectation E[Y(t) | x, t_x, T] and E[X(t)].
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): the likelihood of a customer's mean
  repeat-purchase value and the conditional expected spend.

Usage: pip install mpmath && python3 scripts/value-reference.py
The numbers it prints are pasted into crates/domain/src/value/*.rs.
"""
from mpmath import mp, mpf, loggamma, log, exp, hyp2f1, beta

mp.dps = 50

def bgnbd(r, alpha, a, b, x, tx, T, t):
    r, alpha, a, b, x, tx, T, t = map(mpf, (r, alpha, a, b, x, tx, T, t))
    like = (beta(a, b + x) / beta(a, b)) * exp(loggamma(r + x) - loggamma(r)) * alpha**r / (alpha + T)**(r + x)
    if x > 0:
        like += (beta(a + 1, b + x - 1) / beta(a, b)) * exp(loggamma(r + x) - loggamma(r)) * alpha**r / (alpha + tx)**(r + x)
    ll = log(like)
    d = 1 if x > 0 else 0
    alive = 1 / (1 + d * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx))**(r + x))
    expect = ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t))**(r + x)
             * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))) \
        / (1 + d * (a / (b + x - 1)) * ((alpha + T) / (alpha + tx))**(r + x))
    return ll, alive, expect

def bgnbd_new(r, alpha, a, b, t):
    r, alpha, a, b, t = map(mpf, (r, alpha, a, b, t))
    return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t))**r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))

def gamma_gamma(p, q, g, x, m):
    p, q, g, x, m = map(mpf, (p, q, g, x, m))
    ll = (loggamma(p * x + q) - loggamma(p * x) - loggamma(q) + q * log(g) + (p * x - 1) * log(m)
          + p * x * log(x) - (p * x + q) * log(g + m * x))
    spend = (g + m * x) * p / (p * x + q - 1)
    return ll, spend

print("BG/NBD at r=0.243, alpha=4.414, a=0.793, b=2.426; t=39")
for (x, tx, T) in [(0, 0, 38.86), (2, 30.43, 38.86), (5, 10, 38), (1, 38, 38.5)]:
    ll, alive, e = bgnbd(0.243, 4.414, 0.793, 2.426, x, tx, T, 39)
    print(f"({x}.0, {tx}, {T}, {mp.nstr(ll, 17)}, {mp.nstr(alive, 17)}, {mp.nstr(e, 17)}),")
print("E[X(39)] new:", mp.nstr(bgnbd_new(0.243, 4.414, 0.793, 2.426, 39), 17))
print("Gamma-Gamma at p=6.25, q=3.74, gamma=15.44")
for (x, m) in [(1, 20.0), (2, 35.5), (7, 12.25)]:
    ll, spend = gamma_gamma(6.25, 3.74, 15.44, x, m)
    print(f"({x}.0, {m}, {mp.nstr(ll, 17)}, {mp.nstr(spend, 17)}),")
