"""factorgate replay on Spark.

``factorgate_spark.replay(spark, policy, logs, source, against=..., users=...)`` runs the per-user
fold of ``factorgate replay`` (the same Rust readers, engine and report, through this wheel's
``_native`` module) as a PySpark job: ``repartition(user).sortWithinPartitions(user, ts, seq)``
and ``mapInArrow``. It returns the report document ``factorgate replay --json`` writes; see
``job.py`` for the steps and ``spark/examples/replay_job.py`` for a job to submit.
"""

from .job import EVENT_SCHEMA, STATS_SCHEMA, html, replay, summary

__all__ = ["replay", "summary", "html", "EVENT_SCHEMA", "STATS_SCHEMA"]
