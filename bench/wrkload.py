"""Load from a separate process: wrk replaying a file of prebuilt requests, each sent once, and
counting answers that lack an expected marker (a v2 FAIL still answers HTTP 200)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# One request a line: PATH \t HEADER: VALUE \x1e HEADER: VALUE... \t BODY (bodies hold no tab or newline).
LUA = r"""
local requests, sent, unexpected, expect = {}, 0, 0, ""
local threads = {}

function setup(thread) table.insert(threads, thread) end

function init(args)
  expect = args[2]
  for line in io.lines(args[1]) do
    local path, head, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    for name, value in head:gmatch("([^:\30]+): ([^\30]*)") do headers[name] = value end
    requests[#requests + 1] = wrk.format("POST", path, headers, body)
  end
end

function request()
  sent = sent + 1
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  if not body:find(expect, 1, true) then unexpected = unexpected + 1 end
  wrk.thread:set("unexpected", unexpected)
  wrk.thread:set("sent", sent)
  wrk.thread:set("prepared", #requests)
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("MOCKWX unexpected=%d sent=%d prepared=%d\n",
      t:get("unexpected") or 0, t:get("sent") or 0, t:get("prepared") or 0))
  end
end
"""


@dataclass(slots=True, frozen=True)
class HttpRequest:
    path: str
    body: str
    headers: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        head = "\x1e".join(f"{k}: {v}" for k, v in self.headers)
        if "\n" in self.body or "\t" in self.body:
            raise ValueError("a benchmark request body must hold no tab or newline")
        return f"{self.path}\t{head}\t{self.body}"


@dataclass(slots=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    unexpected: int  # answers without the expected marker
    repeated: int  # requests sent more than once because the file ran out

    def wall(self) -> dict[str, float]:
        return {"rps": self.rps, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms}

    def problems(self) -> list[str]:
        out = []
        if self.non_2xx:
            out.append(f"{self.non_2xx} non-2xx answers")
        if self.socket_errors:
            out.append(f"{self.socket_errors} socket errors")
        if self.unexpected:
            out.append(f"{self.unexpected} answers without the expected marker")
        if self.repeated:
            out.append(f"{self.repeated} requests repeated (prepare more)")
        return out


def write_requests(path: Path, requests: Iterable[HttpRequest]) -> int:
    lines = [r.line() for r in requests]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def need_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, script: Path, requests_file: Path, expect: str, seconds: float, connections: int) -> WrkResult:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url, "--"]
        + [str(requests_file), expect],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if done is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    count = int(done.group(1))
    elapsed = float(done.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[done.group(3)]
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    ours = re.search(r"MOCKWX unexpected=(\d+) sent=(\d+) prepared=(\d+)", out)
    sent, prepared = (int(ours.group(2)), int(ours.group(3))) if ours else (0, 0)
    return WrkResult(
        requests=count,
        seconds=elapsed,
        rps=count / elapsed if elapsed else 0.0,
        p50_ms=_ms(*p50.groups()) if p50 else float("nan"),
        p99_ms=_ms(*p99.groups()) if p99 else float("nan"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sockets.groups()) if sockets else 0,
        unexpected=int(ours.group(1)) if ours else 0,
        repeated=max(0, sent - prepared) if prepared else 0,
    )


def script_file(folder: Path) -> Path:
    path = folder / "replay.lua"
    path.write_text(LUA)
    return path
