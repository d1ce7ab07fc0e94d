"""Java and Maven for the local broker: finding them, the jar cache, and the JVM command line.

The broker's jars come from Maven Central through ``pom.xml`` (package data beside this module) and
are cached once per Kafka version under ``STREAMS_HOME``; later starts need no network.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from streams.core.errors import BrokerError, ConfigError
from streams.core.settings import Settings
from streams.devtools.broker.paths import LOG4J_DIR, POM, kafka_dir, kafka_major, libs_dir, locked

log = logging.getLogger(__name__)

MIN_JAVA = 17
HEAP_OPTS = ("-Xms256m", "-Xmx512m")
#: the collector and compiler of the managed broker (STREAMS_KAFKA_JVM_OPTS replaces them). Measured with
#: `BENCH_QUICK=1 BENCH_SOAK_S=300 make bench` on 2 cores: the C1 compiler alone (-XX:TieredStopAtLevel=1) and the
#: serial collector make a fresh broker far lighter in its first minutes (1.2 against 1.9-3.2 ms of CPU an
#: article in a burst, 3.2-3.7 against 6.8-10.7 paced), as it compiles less; but once warm it spends more
#: (93 against 83-85 ms of CPU a second at 24-28 articles/s), and a broker runs for hours. So G1 stays.
JVM_OPTS = ("-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20")

ALTERNATIVES = (
    "Alternatives: point streams at an existing cluster with STREAMS_KAFKA_BOOTSTRAP=host:port, "
    "or run the broker of docker-compose.yml (`docker compose up -d kafka`) and set "
    "STREAMS_KAFKA_BOOTSTRAP=127.0.0.1:29092 (its host listener)."
)


def java_executable() -> str:
    """Path of ``java`` (``$JAVA_HOME/bin/java`` first, then ``PATH``); BrokerError if absent."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise BrokerError(
            f"`java` was not found (PATH or JAVA_HOME): the local Kafka broker needs Java {MIN_JAVA}+. "
            f"Install a JDK/JRE {MIN_JAVA}+ (e.g. `apt-get install openjdk-17-jre-headless`). {ALTERNATIVES}"
        )
    return found


def parse_java_version(text: str) -> int:
    """Major Java version from ``java -version`` output (``1.8.0_392`` -> 8, ``17.0.15`` -> 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        raise BrokerError(f"could not read the Java version from `java -version`: {text.strip()[:200]!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # 1.8 style
        major = int(match.group(2))
    return major


def check_java() -> tuple[str, int]:
    """(java path, major version); BrokerError when missing or older than Java 17."""
    java = java_executable()
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerError(f"`{java} -version` failed: {exc}. {ALTERNATIVES}") from exc
    major = parse_java_version(proc.stderr + proc.stdout)
    if major < MIN_JAVA:
        raise BrokerError(
            f"`{java}` is Java {major}; the local Kafka broker needs Java {MIN_JAVA}+. Install a newer JDK "
            f"or set JAVA_HOME to one. {ALTERNATIVES}"
        )
    return java, major


def maven_executable() -> str:
    """Path of ``mvn``; BrokerError naming the alternatives if absent."""
    found = shutil.which("mvn")
    if not found:
        raise BrokerError(
            "`mvn` (Apache Maven 3.6+) was not found on PATH: it is needed once to download the Kafka jars "
            f"from Maven Central (e.g. `apt-get install maven`). {ALTERNATIVES}"
        )
    return found


# --------------------------------------------------------------------------------------------
# jars


def jars_ready(settings: Settings) -> bool:
    """True when the jar cache of the configured version is complete (its stamp file exists)."""
    return (kafka_dir(settings) / ".complete").is_file()


def ensure_jars(settings: Settings, on_line: Callable[[str], None] | None = None) -> Path:
    """Resolve the broker's jars into the cache once; return the libs directory.

    A cache without its ``.complete`` stamp (an interrupted download) is wiped and resolved again.
    ``on_line`` receives Maven's output lines (progress for a CLI); they are also logged at DEBUG.
    """
    libs = libs_dir(settings)
    if jars_ready(settings):
        return libs
    with locked(settings.home / f".kafka-{settings.kafka_version}.lock"):
        if jars_ready(settings):  # another process finished it while we waited
            return libs
        if not POM.is_file():
            raise BrokerError(f"{POM} is missing: the streams package is incomplete, reinstall it. {ALTERNATIVES}")
        mvn = maven_executable()
        if libs.exists():
            shutil.rmtree(libs)
        libs.mkdir(parents=True)
        pom = kafka_dir(settings) / "pom.xml"  # a copy: Maven may write beside its pom, site-packages may be read-only
        shutil.copyfile(POM, pom)
        cmd = [
            mvn, "-B", "--no-transfer-progress", "-f", str(pom),
            f"-Dkafka.version={settings.kafka_version}",
            *(["-Pkafka4"] if kafka_major(settings.kafka_version) >= 4 else []),
            "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
        ]  # fmt: skip
        log.info(
            "resolving Apache Kafka %s jars from Maven Central into %s (first start only)",
            settings.kafka_version, libs,
        )  # fmt: skip
        started = time.monotonic()
        tail = _run_streaming(cmd, on_line)
        if tail is not None:
            shutil.rmtree(libs, ignore_errors=True)
            raise BrokerError(
                f"Maven could not resolve org.apache.kafka:kafka_2.13:{settings.kafka_version} "
                f"(network to Maven Central? a valid STREAMS_KAFKA_VERSION?). Last output:\n{tail}\n{ALTERNATIVES}"
            )
        count = len(list(libs.glob("*.jar")))
        if not any(libs.glob(f"kafka_2.13-{settings.kafka_version}.jar")):
            raise BrokerError(f"Maven finished but kafka_2.13-{settings.kafka_version}.jar is not in {libs}")
        (kafka_dir(settings) / ".complete").write_text(f"{count} jars\n")
        log.info("resolved %d jars in %.1f s", count, time.monotonic() - started)
    return libs


def _run_streaming(cmd: list[str], on_line: Callable[[str], None] | None) -> str | None:
    """Run ``cmd`` passing each output line on; None on success, else the last lines of output."""
    lines: list[str] = []
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            lines.append(line)
            log.debug("mvn: %s", line)
            if on_line is not None:
                on_line(line)
        code = proc.wait()
    return None if code == 0 else "\n".join(lines[-25:])


def jvm_opts(settings: Settings) -> list[str]:
    """The broker's collector and compiler options: STREAMS_KAFKA_JVM_OPTS split like a shell would, else
    :data:`JVM_OPTS`. ConfigError for options that are not ``-`` flags (a heap size here would fight
    :data:`HEAP_OPTS`, so -Xms/-Xmx are refused too)."""
    text = settings.kafka_jvm_opts.strip()
    if not text:
        return list(JVM_OPTS)
    try:
        opts = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"STREAMS_KAFKA_JVM_OPTS={text!r}: {exc}") from exc
    bad = [o for o in opts if not o.startswith("-") or o.startswith(("-Xms", "-Xmx", "-cp", "-classpath"))]
    if bad:
        raise ConfigError(f"STREAMS_KAFKA_JVM_OPTS: {' '.join(bad)} not allowed: give JVM flags such as "
                          "-XX:+UseG1GC (the heap is fixed at 256-512 MiB, the class path is streams' own)")
    return opts


def java_command(settings: Settings, java: str, main_class: str, *args: str) -> list[str]:
    """The JVM command line running ``main_class`` of the cached jars with the broker's heap and logging."""
    libs = libs_dir(settings)
    if kafka_major(settings.kafka_version) >= 4:
        logging_opts = [f"-Dlog4j2.configurationFile={LOG4J_DIR / 'log4j2.properties'}"]
    else:
        logging_opts = [f"-Dlog4j.configuration=file:{LOG4J_DIR / 'log4j.properties'}"]
    return [
        java, *HEAP_OPTS, *jvm_opts(settings), "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        *logging_opts, "-cp", f"{libs}/*", main_class, *args,
    ]  # fmt: skip
