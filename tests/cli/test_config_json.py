"""``streams config --json``: every setting as JSON for scripts, secrets masked."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson


def test_config_json_lists_every_setting_with_secrets_masked(tmp_path) -> None:
    env = {**os.environ, "STREAMS_HOME": str(tmp_path), "STREAMS_API_KEY": "s3cret-key",
           "STREAMS_DATABASE_URL": "postgresql://news:pa55word@127.0.0.1:5432/streams", "STREAMS_PARTITIONS": "3"}
    done = subprocess.run([sys.executable, "-m", "streams.cli.main", "config", "--json"], env=env,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    rows = orjson.loads(done.stdout)
    assert rows["STREAMS_HOME"]["value"] == str(tmp_path)
    assert rows["STREAMS_PARTITIONS"]["value"] == "3" and rows["STREAMS_PARTITIONS"]["meaning"]
    assert rows["STREAMS_API_KEY"]["value"] == "****"
    assert rows["STREAMS_DATABASE_URL"]["value"] == "postgresql://news:****@127.0.0.1:5432/streams"
    assert b"s3cret-key" not in done.stdout and b"pa55word" not in done.stdout
