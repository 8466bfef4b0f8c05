#!/usr/bin/env python3
"""The lab's Sumo Logic sink: an HTTPS receiver at an OTLP/HTTP source URL that records what it gets.

A Sumo Logic OTLP/HTTP source is a URL with a token in its path
(https://<collection endpoint>/receiver/v1/otlp/<token>); the collector's otlphttp exporter sends
to <url>/v1/metrics and <url>/v1/logs, protobuf-encoded (ExportMetricsServiceRequest,
ExportLogsServiceRequest), gzip-compressed (the payload sets compression: gzip). This receiver
answers only at the one source URL it is given (anything else: 404, as an unknown source), decodes
each request with the OpenTelemetry protocol's own generated classes (the PyPI package
opentelemetry-proto) and appends every data point and log record it decoded, one JSON object per
line, to metrics.jsonl and logs.jsonl in its output directory. It answers as an OTLP/HTTP server
does: 200 with an empty Export*ServiceResponse (protobuf), 400 for a body that does not decode,
415 for a content type it does not speak.

Nothing is aggregated or interpreted here: the lab's monitoring check reads the recorded points.
"""
import argparse
import gzip
import json
import os
import ssl
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest, ExportLogsServiceResponse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest, ExportMetricsServiceResponse

LOCK = threading.Lock()


def any_value(v):
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if kind == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, kind)


def attrs(kvs):
    return {kv.key: any_value(kv.value) for kv in kvs}


def metric_points(req):
    """Every data point of an ExportMetricsServiceRequest, flattened (resource attributes kept apart)."""
    for rm in req.resource_metrics:
        resource = attrs(rm.resource.attributes)
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                data = getattr(m, kind) if kind else None
                base = {"name": m.name, "kind": kind, "resource": resource, "scope": sm.scope.name}
                if kind == "sum":
                    base["monotonic"] = data.is_monotonic
                    base["temporality"] = data.aggregation_temporality
                elif kind in ("histogram", "exponential_histogram"):
                    base["temporality"] = data.aggregation_temporality
                for p in (data.data_points if data is not None else []):
                    point = dict(base)
                    point["attrs"] = attrs(p.attributes)
                    point["t"] = p.time_unix_nano / 1e9
                    point["start"] = p.start_time_unix_nano / 1e9
                    # The "no recorded value" flag (a stale series, e.g. a scrape target that went away).
                    point["noValue"] = bool(p.flags & 1)
                    if kind in ("sum", "gauge"):
                        which = p.WhichOneof("value")
                        point["v"] = getattr(p, which) if which else None
                    else:
                        point["count"] = p.count
                        point["sum"] = p.sum
                    yield point


def log_records(req):
    for rl in req.resource_logs:
        resource = attrs(rl.resource.attributes)
        for sl in rl.scope_logs:
            for r in sl.log_records:
                yield {"t": r.time_unix_nano / 1e9, "observed": r.observed_time_unix_nano / 1e9, "body": any_value(r.body),
                       "attrs": attrs(r.attributes), "resource": resource}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sws-lab-otlp-receiver"

    def log_message(self, fmt, *args):  # one line per request, to the helper's log
        sys.stdout.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))
        sys.stdout.flush()

    def answer(self, code, body=b"", ctype="application/x-protobuf"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(404, b"not found\n", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        routes = {
            self.server.source + "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse, metric_points, "metrics"),
            self.server.source + "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse, log_records, "logs"),
        }
        route = routes.get(self.path)
        if route is None:
            return self.answer(404, b"no such source\n", "text/plain")
        request_type, response_type, flatten, what = route
        enc = (self.headers.get("Content-Encoding") or "").lower()
        try:
            if enc == "gzip":
                body = gzip.decompress(body)
            elif enc == "deflate":
                body = zlib.decompress(body)
            elif enc not in ("", "identity"):
                return self.answer(415, b"unsupported content encoding\n", "text/plain")
        except (OSError, zlib.error, EOFError):
            return self.answer(400, b"body does not decompress\n", "text/plain")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        req = request_type()
        try:
            if ctype == "application/x-protobuf":
                req.ParseFromString(body)
            elif ctype == "application/json":
                json_format.Parse(body, req)
            else:
                return self.answer(415, b"unsupported content type\n", "text/plain")
        except (DecodeError, json_format.ParseError, UnicodeDecodeError) as e:
            return self.answer(400, ("does not decode: %s\n" % e).encode(), "text/plain")
        received = time.time()
        lines = []
        for item in flatten(req):
            item["recv"] = received
            lines.append(json.dumps(item, separators=(",", ":")))
        with LOCK:
            with open("%s/%s.jsonl" % (self.server.out, what), "a") as f:
                if lines:
                    f.write("\n".join(lines) + "\n")
            stats = self.server.stats
            s = stats.setdefault(what, {"requests": 0, "bytes": 0, "items": 0, "gzip": 0})
            s["requests"] += 1
            s["bytes"] += length
            s["items"] += len(lines)
            s["gzip"] += 1 if enc == "gzip" else 0
            # Replaced whole (write, then rename): a reader never sees a half-written file (the
            # receiver's test read an empty stats.json once, mid-write, on a loaded machine).
            with open("%s/stats.json.tmp" % self.server.out, "w") as f:
                json.dump(stats, f)
            os.replace("%s/stats.json.tmp" % self.server.out, "%s/stats.json" % self.server.out)
        self.log_message("POST /v1/%s %s %s, %d bytes → %d %s", what, ctype, enc or "identity", length, len(lines),
                         "points" if what == "metrics" else "records")
        resp = response_type().SerializeToString() if ctype == "application/x-protobuf" else b"{}"
        self.answer(200, resp, ctype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, help="address:port")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--source", required=True, help="the source URL's path, e.g. /receiver/v1/otlp/<token>")
    ap.add_argument("--out", required=True, help="directory for metrics.jsonl, logs.jsonl, stats.json")
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    srv.source = a.source.rstrip("/")
    srv.out = a.out
    srv.stats = {}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("listening on https://%s (source %s)\n" % (a.listen, srv.source))
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
