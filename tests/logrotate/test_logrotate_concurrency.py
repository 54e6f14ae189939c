"""1,000,000 lines from 4 concurrent writers through one pipe, 64 KB files, gzip."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

from logrotate_helpers import ROTATOR, clean_env, content, log_files

WRITERS, LINES_EACH, LIMIT = 4, 250_000, 64 * 1024

# Each writer sends batches of whole lines of at most PIPE_BUF bytes: such
# pipe writes are atomic, so lines of different writers never interleave.
WRITER = r"""
import os, sys
me, count = int(sys.argv[1]), int(sys.argv[2])
per = 4096 // len(b"w0 0000000\n")
for start in range(0, count, per):
    os.write(1, b"".join(b"w%d %07d\n" % (me, i) for i in range(start, min(count, start + per))))
"""


def test_million_lines_four_writers_one_pipe(home, tmp_path):
    logs = tmp_path / "logs"
    read_end, write_end = os.pipe()
    rotator = subprocess.Popen(ROTATOR + [f"--dir={logs}", "--max-size=64KB", "--compress",
                                          "--keep=0", "--max-age=0"],
                               stdin=read_end, stderr=subprocess.PIPE, env=clean_env(home))
    os.close(read_end)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(w), str(LINES_EACH)],
                                stdout=write_end) for w in range(WRITERS)]
    os.close(write_end)
    assert [w.wait(timeout=120) for w in writers] == [0] * WRITERS
    assert rotator.wait(timeout=120) == 0
    assert rotator.stderr.read() == b""

    files = log_files(logs)
    assert [p for p in files[:-1] if not p.name.endswith(".log.gz")] == []
    assert not [n for n in os.listdir(logs) if n.endswith(".tmp")]
    counts: Counter = Counter()
    last_seen = [-1] * WRITERS
    for path in files:
        body = content(path)
        lines = body.splitlines()
        # no file passes the limit by more than one line (here: not at all)
        assert len(body) <= LIMIT, (path, len(body))
        counts.update(lines)
        for line in lines:  # each writer's lines stay in order across files
            writer, number = int(line[1:2]), int(line[3:])
            assert number > last_seen[writer]
            last_seen[writer] = number
    assert len(counts) == WRITERS * LINES_EACH
    assert set(counts.values()) == {1}
    assert counts.keys() == {b"w%d %07d" % (w, i)
                             for w in range(WRITERS) for i in range(LINES_EACH)}
    assert len(files) >= WRITERS * LINES_EACH * 11 // LIMIT
