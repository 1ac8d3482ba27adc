#!/usr/bin/env python3
"""RFM and ABC with DuckDB on the orders CSV that `guanxi bench value` writes, for the side-by-side
numbers in docs/BENCHMARKS.md.

    pip install duckdb
    python3 bench/duckdb_rfm_abc.py bench-data/orders-1m.csv [--as-of 2026-06-30] [--runs 3]

The same rules as Guanxi (crates/domain/src/value): a purchase day is a calendar day with orders
(order times are China time in the file); the window is the 365 days up to the as-of date;
R = days since the last purchase day, F = purchase days in the window, M = window revenue; each
scored 1 + floor(5 * (customers strictly worse) / n); ABC ranks window revenue, best first,
A while the revenue before a customer is under 80% of the total, B under 95%, C after, and
customers without positive revenue are C. Prints the seconds of loading the CSV and of the
query, the class counts and an RFM checksum to compare with Guanxi's saved run.
"""
import argparse
import time

import duckdb

QUERY = """
WITH days AS (
    SELECT "关系编号" AS customer_id, CAST("下单时间" AS DATE) AS day, SUM(CAST("金额" AS DECIMAL(18, 2))) AS amount
    FROM orders
    WHERE CAST("下单时间" AS DATE) BETWEEN DATE '{as_of}' - INTERVAL 364 DAY AND DATE '{as_of}'
    GROUP BY 1, 2
), per AS (
    SELECT customer_id, DATE '{as_of}' - MAX(day) AS recency, COUNT(*) AS frequency, SUM(amount) AS monetary
    FROM days GROUP BY 1
), scored AS (
    SELECT *,
        1 + (5 * (COUNT(*) OVER (ORDER BY recency DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                 - COUNT(*) OVER (PARTITION BY recency))) // COUNT(*) OVER () AS r,
        1 + (5 * (COUNT(*) OVER (ORDER BY frequency RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                 - COUNT(*) OVER (PARTITION BY frequency))) // COUNT(*) OVER () AS f,
        1 + (5 * (COUNT(*) OVER (ORDER BY monetary RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                 - COUNT(*) OVER (PARTITION BY monetary))) // COUNT(*) OVER () AS m,
        SUM(GREATEST(monetary, 0)) OVER (ORDER BY monetary DESC, customer_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
        SUM(GREATEST(monetary, 0)) OVER () AS total
    FROM per
)
SELECT customer_id, r, f, m,
    CASE WHEN monetary <= 0 THEN 'C'
         WHEN COALESCE(before, 0) / total + 1e-12 < 0.80 THEN 'A'
         WHEN COALESCE(before, 0) / total + 1e-12 < 0.95 THEN 'B'
         ELSE 'C' END AS abc
FROM scored
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--as-of", default="2026-06-30")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    for run in range(1, a.runs + 1):
        con = duckdb.connect()
        t0 = time.perf_counter()
        con.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv('{a.csv}', header = true)")
        t1 = time.perf_counter()
        con.execute(f"CREATE TABLE result AS {QUERY.format(as_of=a.as_of)}")
        t2 = time.perf_counter()
        classes = dict(con.execute("SELECT abc, COUNT(*) FROM result GROUP BY 1 ORDER BY 1").fetchall())
        checksum = con.execute("SELECT SUM(r * 100 + f * 10 + m), COUNT(*) FROM result").fetchone()
        print({"run": run, "load_seconds": round(t1 - t0, 3), "rfm_abc_seconds": round(t2 - t1, 3),
               "customers": checksum[1], "classes": classes, "rfm_checksum": checksum[0]})
        con.close()


if __name__ == "__main__":
    main()
