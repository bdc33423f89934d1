"""Snapshot stage: download a remote source into the offline mirror's layout, which the ETL steps then read."""
