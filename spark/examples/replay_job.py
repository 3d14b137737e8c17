"""An example job: ``factorgate replay`` on Spark, with the command line's arguments.

    spark-submit spark/examples/replay_job.py POLICY LOGS... --source okta \\
        [--against OLD] [--users users.jsonl] [--warmup DAYS] [--json out.json] [--report out.html]

or, in local mode, ``python spark/examples/replay_job.py ...`` (``--master local[*]``, the
default when no master is configured). Needs the ``factorgate-spark`` wheel on the driver and
on every executor's Python (``make spark`` builds it into target/spark-wheels/).
Exit codes as ``factorgate replay``: 0 done (malformed lines counted), 2 an input error.
"""

import argparse
import json
import os
import sys

import factorgate_spark


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("policy")
    p.add_argument("logs", nargs="+")
    p.add_argument("--source", required=True, choices=["auth0", "okta", "entra"])
    p.add_argument("--against")
    p.add_argument("--users")
    p.add_argument("--warmup", type=int, default=0, metavar="DAYS")
    p.add_argument("--partitions", type=int)
    p.add_argument("--json", metavar="FILE", help="the JSON report (- for stdout)")
    p.add_argument("--report", metavar="FILE.html")
    p.add_argument("--master", help="Spark master (default: the configured one, else local[*])")
    a = p.parse_args(argv)
    # input errors before a JVM is started for nothing (paths with a scheme are the cluster's)
    for path in [a.policy, a.against, a.users, *a.logs]:
        if path and "://" not in path and not os.path.isfile(path):
            print(f"replay_job: {path}: no such file", file=sys.stderr)
            return 2

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("factorgate-replay")
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()
    try:
        doc = factorgate_spark.replay(
            spark,
            a.policy,
            a.logs,
            a.source,
            against=a.against,
            users=a.users,
            warmup_days=a.warmup,
            partitions=a.partitions,
        )
    except (ValueError, OSError) as e:
        print(f"replay_job: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()
    if a.report:
        with open(a.report, "w") as f:
            f.write(factorgate_spark.html(doc))
    if a.json == "-":
        json.dump(doc, sys.stdout, indent=2)
        print()
    else:
        if a.json:
            with open(a.json, "w") as f:
                json.dump(doc, f, indent=2)
        sys.stdout.write(factorgate_spark.summary(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
