"""S3 through the AWS SDK for JavaScript v3 (@aws-sdk/client-s3, lib-storage, s3-request-presigner)
with its 2025+ data-integrity defaults: requestChecksumCalculation WHEN_SUPPORTED (a CRC32 header
for buffered bodies, an aws-chunked body with a trailing CRC32 for streams) and
responseChecksumValidation WHEN_SUPPORTED (GetObject asks for x-amz-checksum-mode: ENABLED and
checks the body against the checksum it gets back). Then the same flows with WHEN_REQUIRED, and
signed streaming uploads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, which the JS SDK never sends) built
here with botocore's SigV4 primitives and sent over a raw socket.

Every test makes its own bucket on the module's daemon. Each JS script records the requests the
SDK actually put on the wire, so the tests can check the premise (what was sent) as well as the
daemon's answer.
"""

import base64
import hashlib
import os
import uuid
from typing import List, Optional

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import RawConnection, RawResponse, run_node, xml_error

REGION = "ap-northeast-2"
MIB = 1024 * 1024


def new_bucket() -> str:
    return "js-" + uuid.uuid4().hex[:20]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), reflected polynomial 0x82F63B78; independent of the SDK's own."""
    table = _crc32c_table()
    crc = 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


_CRC32C_TABLE: List[int] = []


def _crc32c_table() -> List[int]:
    if not _CRC32C_TABLE:
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC32C_TABLE.append(c)
    return _CRC32C_TABLE


def test_crc32c_reference_value():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value


# ------------------------------------------------------------------------------------------------
# The JS side: one prelude shared by every script.

JS_PRELUDE = r"""
import {
  S3Client, CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand,
  GetObjectCommand, HeadObjectCommand, DeleteObjectsCommand, CopyObjectCommand,
  ListObjectsV2Command, paginateListObjectsV2,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Readable } from "node:stream";
import crypto from "node:crypto";
import zlib from "node:zlib";
import { guard } from "./gureum-guard.mjs";

const P = JSON.parse(process.env.GUREUM_TEST_PARAMS);
const B = P.bucket;
const MIB = 1024 * 1024;

// Every request the SDK sends (after signing), with the response status and headers.
const wire = [];

function s3(extra = {}) {
  const client = new S3Client({
    endpoint: P.endpoint, forcePathStyle: true, region: "ap-northeast-2",
    credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1, ...extra,
  });
  guard(client);
  client.middlewareStack.add((next, context) => async (args) => {
    const entry = { op: context.commandName, method: args.request.method,
                    path: args.request.path, query: { ...args.request.query },
                    headers: { ...args.request.headers } };
    wire.push(entry);
    const out = await next(args);
    entry.status = out.response.statusCode;
    entry.responseHeaders = { ...out.response.headers };
    return out;
  }, { step: "finalizeRequest", name: "gureumWireRecorder", priority: "low" });
  return client;
}

// The SDK cannot send a stream of unknown length with a trailing checksum: it sets
// x-amz-decoded-content-length to undefined and node's http refuses the header
// (aws/aws-sdk-js-v3#7434). Dropping the undefined header sends what the SDK meant: an
// aws-chunked body with a trailer, in chunked transfer encoding, of unannounced length.
function allowStreamsOfUnknownLength(client) {
  client.middlewareStack.add((next) => async (args) => {
    const h = args.request.headers;
    for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
    return next(args);
  }, { step: "finalizeRequest", name: "gureumDropUndefinedHeaders", priority: "high" });
  return client;
}

const sent = (op) => wire.filter((w) => w.op === op);
const lastSent = (op) => { const all = sent(op); return all[all.length - 1]; };
const crc32Raw = (buf) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(zlib.crc32(buf) >>> 0);
  return b;
};
const crc32 = (buf) => crc32Raw(buf).toString("base64");
const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("base64");
const sha256hex = (buf) => crypto.createHash("sha256").update(buf).digest("hex");
const md5hex = (buf) => crypto.createHash("md5").update(buf).digest("hex");
const quoted = (s) => `"${s}"`;

// `buf` as a Readable of irregular pieces (the SDK learns no length from it).
function streamOf(buf, sizes = [1000, 65536, 7, 100000, 333]) {
  const pieces = [];
  for (let i = 0, k = 0; i < buf.length; k++) {
    const n = sizes[k % sizes.length];
    pieces.push(buf.subarray(i, i + n));
    i += n;
  }
  return Readable.from(pieces);
}

async function bytesOf(out) { return Buffer.from(await out.Body.transformToByteArray()); }

function errorOf(e) {
  return { ok: false, name: e.name, code: e.Code ?? null, message: e.message,
           status: e.$metadata ? e.$metadata.httpStatusCode ?? null : null };
}

async function attempt(promise) {
  try {
    const value = await promise;
    return { ok: true, value };
  } catch (e) {
    return errorOf(e);
  }
}

function emit(out) { console.log(JSON.stringify(out)); }

const client = s3();
async function createBucket() { return client.send(new CreateBucketCommand({ Bucket: B })); }
"""


def js(daemon, body: str, bucket: Optional[str] = None, timeout: float = 180, **params):
    """Runs JS_PRELUDE + body against `daemon`; returns the JSON the script emits last."""
    params.update({"endpoint": daemon.endpoint, "bucket": bucket or new_bucket()})
    return run_node(JS_PRELUDE + body, params, timeout=timeout)


# ------------------------------------------------------------------------------------------------
# Buckets


def test_create_bucket(daemon):
    out = js(daemon, r"""
const created = await createBucket();
const head = await client.send(new HeadBucketCommand({ Bucket: B }));
const again = await attempt(createBucket());
const list = await client.send(new ListBucketsCommand({}));
emit({ bucket: B, location: created.Location, status: created.$metadata.httpStatusCode,
       region: head.BucketRegion, again,
       listed: list.Buckets.filter((b) => b.Name === B).length });
""")
    assert out["status"] == 200, out
    assert out["location"] == "/" + out["bucket"], out
    assert out["region"] == REGION, out
    # Outside us-east-1, creating a bucket you already own is an error.
    assert out["again"]["ok"] is False and out["again"]["name"] == "BucketAlreadyOwnedByYou", out
    assert out["again"]["status"] == 409, out
    assert out["listed"] == 1, out


def test_list_buckets_reports_bucket_region(daemon):
    out = js(daemon, r"""
await createBucket();
const list = await client.send(new ListBucketsCommand({}));
emit({ listed: list.Buckets.filter((b) => b.Name === B).map((b) => b.BucketRegion ?? null) });
""")
    assert out["listed"] == [REGION], out


def test_list_buckets_pages_with_max_buckets(daemon):
    out = js(daemon, r"""
for (const suffix of ["pa", "pb", "pc"]) {
  await client.send(new CreateBucketCommand({ Bucket: `${B}-${suffix}` }));
}
const first = await client.send(new ListBucketsCommand({ MaxBuckets: 2, Prefix: `${B}-p` }));
const second = await client.send(new ListBucketsCommand({
    MaxBuckets: 2, Prefix: `${B}-p`, ContinuationToken: first.ContinuationToken }));
emit({ first: first.Buckets.map((b) => b.Name), token: first.ContinuationToken ?? null,
       second: second.Buckets.map((b) => b.Name), end: second.ContinuationToken ?? null });
""")
    prefix = out["first"][0][:-3] if out["first"] else ""
    assert out["first"] == [f"{prefix}-pa", f"{prefix}-pb"], out
    assert out["token"], out
    assert out["second"] == [f"{prefix}-pc"], out
    assert out["end"] is None, out


# ------------------------------------------------------------------------------------------------
# Default integrity behaviour: WHEN_SUPPORTED


def test_put_buffer_sends_crc32_header_and_get_validates_it(daemon):
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(123457);
const put = await client.send(new PutObjectCommand({ Bucket: B, Key: "buffer.bin", Body: data }));
const putWire = lastSent("PutObjectCommand").headers;
const get = await client.send(new GetObjectCommand({ Bucket: B, Key: "buffer.bin" }));
const body = await bytesOf(get);  // the SDK validates the CRC32 while this is read
const getWire = lastSent("GetObjectCommand").headers;
emit({ crc: crc32(data), md5: md5hex(data),
       putWire: { crc: putWire["x-amz-checksum-crc32"],
                  alg: putWire["x-amz-sdk-checksum-algorithm"],
                  encoding: putWire["content-encoding"] ?? null,
                  length: putWire["content-length"] },
       put: { etag: put.ETag, crc: put.ChecksumCRC32, type: put.ChecksumType },
       getWire: { mode: getWire["x-amz-checksum-mode"] },
       get: { crc: get.ChecksumCRC32, type: get.ChecksumType, length: get.ContentLength,
              etag: get.ETag, same: body.equals(data) } });
""")
    assert out["putWire"] == {"crc": out["crc"], "alg": "CRC32", "encoding": None,
                              "length": "123457"}, out
    assert out["put"] == {"etag": f'"{out["md5"]}"', "crc": out["crc"],
                          "type": "FULL_OBJECT"}, out
    assert out["getWire"]["mode"] == "ENABLED", out
    assert out["get"] == {"crc": out["crc"], "type": "FULL_OBJECT", "length": 123457,
                          "etag": f'"{out["md5"]}"', "same": True}, out


def test_get_checksum_validation_is_live(daemon):
    """Control for the round-trip tests: the SDK does compare the body with the checksum the
    daemon returns (a tampered response checksum fails the read)."""
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(5000);
await client.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: data }));
const tampering = s3();
tampering.middlewareStack.add((next) => async (args) => {
  const out = await next(args);
  out.response.headers["x-amz-checksum-crc32"] = crc32(Buffer.from("something else"));
  return out;
}, { step: "deserialize", name: "tamper", priority: "low" });
const result = await attempt((async () => {
  const get = await tampering.send(new GetObjectCommand({ Bucket: B, Key: "k" }));
  return (await bytesOf(get)).length;
})());
emit(result);
""")
    assert out["ok"] is False, out
    assert "checksum mismatch" in out["message"].lower(), out


def test_put_string_and_head_object(daemon):
    text = "구름 위의 S3 ☁ — " * 100
    out = js(daemon, r"""
await createBucket();
const put = await client.send(new PutObjectCommand({
  Bucket: B, Key: "notes/한글.txt", Body: P.text, ContentType: "text/plain; charset=utf-8",
  Metadata: { purpose: "integration", "mixed-case": "Value" }, CacheControl: "no-cache" }));
const putWire = lastSent("PutObjectCommand").headers;
const head = await client.send(new HeadObjectCommand({ Bucket: B, Key: "notes/한글.txt" }));
const headSum = await client.send(new HeadObjectCommand({ Bucket: B, Key: "notes/한글.txt",
                                                         ChecksumMode: "ENABLED" }));
const get = await client.send(new GetObjectCommand({ Bucket: B, Key: "notes/한글.txt" }));
const missing = await attempt(client.send(new HeadObjectCommand({ Bucket: B, Key: "nope" })));
const utf8 = Buffer.from(P.text, "utf8");
emit({ bytes: utf8.length, crc: crc32(utf8), md5: md5hex(utf8),
       putWireCrc: putWire["x-amz-checksum-crc32"], putCrc: put.ChecksumCRC32,
       head: { length: head.ContentLength, type: head.ContentType, etag: head.ETag,
               meta: head.Metadata, cache: head.CacheControl, crc: head.ChecksumCRC32 ?? null,
               modified: head.LastModified instanceof Date },
       headSumCrc: headSum.ChecksumCRC32, text: await get.Body.transformToString(),
       getCrc: get.ChecksumCRC32, missing });
""", text=text)
    assert out["putWireCrc"] == out["crc"] and out["putCrc"] == out["crc"], out
    assert out["head"] == {"length": out["bytes"], "type": "text/plain; charset=utf-8",
                           "etag": f'"{out["md5"]}"',
                           "meta": {"purpose": "integration", "mixed-case": "Value"},
                           "cache": "no-cache", "crc": None, "modified": True}, out
    assert out["headSumCrc"] == out["crc"], out
    assert out["text"] == text and out["getCrc"] == out["crc"], out
    # HEAD has no body: the SDK names a 404 NotFound.
    assert out["missing"]["ok"] is False and out["missing"]["status"] == 404, out
    assert out["missing"]["name"] == "NotFound", out


def test_put_stream_of_known_length_is_aws_chunked_with_trailer(daemon):
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(300001);
const put = await client.send(new PutObjectCommand({
  Bucket: B, Key: "known.bin", Body: streamOf(data), ContentLength: data.length }));
const w = lastSent("PutObjectCommand").headers;
const head = await client.send(new HeadObjectCommand({ Bucket: B, Key: "known.bin" }));
const get = await client.send(new GetObjectCommand({ Bucket: B, Key: "known.bin" }));
const body = await bytesOf(get);
emit({ crc: crc32(data), md5: md5hex(data),
       wire: { sha: w["x-amz-content-sha256"], encoding: w["content-encoding"],
               trailer: w["x-amz-trailer"], decoded: w["x-amz-decoded-content-length"],
               te: w["transfer-encoding"], length: w["content-length"] ?? null },
       put: { crc: put.ChecksumCRC32, etag: put.ETag },
       head: { length: head.ContentLength, encoding: head.ContentEncoding ?? null },
       get: { crc: get.ChecksumCRC32, same: body.equals(data) } });
""")
    assert out["wire"] == {"sha": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "encoding": "aws-chunked",
                           "trailer": "x-amz-checksum-crc32", "decoded": "300001",
                           "te": "chunked", "length": None}, out
    assert out["put"] == {"crc": out["crc"], "etag": f'"{out["md5"]}"'}, out
    # aws-chunked is the transfer's encoding, not the object's.
    assert out["head"] == {"length": 300001, "encoding": None}, out
    assert out["get"] == {"crc": out["crc"], "same": True}, out


def test_put_stream_of_unknown_length_is_aws_chunked_with_trailer(daemon):
    out = js(daemon, r"""
await createBucket();
allowStreamsOfUnknownLength(client);
const data = crypto.randomBytes(MIB + 4321);
const put = await client.send(new PutObjectCommand({ Bucket: B, Key: "unknown.bin",
                                                     Body: streamOf(data) }));
const w = lastSent("PutObjectCommand").headers;
const get = await client.send(new GetObjectCommand({ Bucket: B, Key: "unknown.bin" }));
const body = await bytesOf(get);
emit({ crc: crc32(data), md5: md5hex(data),
       wire: { sha: w["x-amz-content-sha256"], encoding: w["content-encoding"],
               trailer: w["x-amz-trailer"], te: w["transfer-encoding"],
               announced: "x-amz-decoded-content-length" in w || "content-length" in w },
       put: { crc: put.ChecksumCRC32, etag: put.ETag },
       get: { crc: get.ChecksumCRC32, length: get.ContentLength, same: body.equals(data) } });
""")
    assert out["wire"] == {"sha": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "encoding": "aws-chunked",
                           "trailer": "x-amz-checksum-crc32", "te": "chunked",
                           "announced": False}, out
    assert out["put"] == {"crc": out["crc"], "etag": f'"{out["md5"]}"'}, out
    assert out["get"] == {"crc": out["crc"], "length": MIB + 4321, "same": True}, out


def test_explicit_sha256_and_crc32c(daemon):
    out = js(daemon, r"""
await createBucket();
const a = crypto.randomBytes(70000);
const b = crypto.randomBytes(90001);
const putA = await client.send(new PutObjectCommand({ Bucket: B, Key: "a", Body: a,
                                                      ChecksumAlgorithm: "SHA256" }));
const wa = lastSent("PutObjectCommand").headers;
const putB = await client.send(new PutObjectCommand({
  Bucket: B, Key: "b", Body: streamOf(b), ContentLength: b.length, ChecksumAlgorithm: "CRC32C" }));
const wb = lastSent("PutObjectCommand").headers;
const getA = await client.send(new GetObjectCommand({ Bucket: B, Key: "a" }));
const bodyA = await bytesOf(getA);
const getB = await client.send(new GetObjectCommand({ Bucket: B, Key: "b" }));
const bodyB = await bytesOf(getB);
// A CRC32C header that does not match the body: BadDigest, and nothing is stored.
const wrong = await attempt(client.send(new PutObjectCommand({
  Bucket: B, Key: "wrong", Body: a, ChecksumAlgorithm: "CRC32C", ChecksumCRC32C: "AAAAAA==" })));
const after = await attempt(client.send(new HeadObjectCommand({ Bucket: B, Key: "wrong" })));
emit({ a: a.toString("base64"), b: b.toString("base64"),
       wa: { sha: wa["x-amz-checksum-sha256"], alg: wa["x-amz-sdk-checksum-algorithm"],
             crc32: wa["x-amz-checksum-crc32"] ?? null },
       wb: { trailer: wb["x-amz-trailer"], alg: wb["x-amz-sdk-checksum-algorithm"],
             sha: wb["x-amz-content-sha256"] },
       putA: putA.ChecksumSHA256, putB: putB.ChecksumCRC32C,
       getA: { sha: getA.ChecksumSHA256, crc32: getA.ChecksumCRC32 ?? null,
               same: bodyA.equals(a) },
       getB: { crc32c: getB.ChecksumCRC32C, same: bodyB.equals(b) },
       wrong, after });
""")
    a, b = base64.b64decode(out["a"]), base64.b64decode(out["b"])
    sha_a = b64(hashlib.sha256(a).digest())
    crc32c_b = b64(crc32c(b).to_bytes(4, "big"))
    assert out["wa"] == {"sha": sha_a, "alg": "SHA256", "crc32": None}, out
    assert out["wb"] == {"trailer": "x-amz-checksum-crc32c", "alg": "CRC32C",
                         "sha": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, out
    assert out["putA"] == sha_a and out["putB"] == crc32c_b, out
    assert out["getA"] == {"sha": sha_a, "crc32": None, "same": True}, out
    assert out["getB"] == {"crc32c": crc32c_b, "same": True}, out
    assert out["wrong"]["ok"] is False, out
    assert (out["wrong"]["name"], out["wrong"]["status"]) == ("BadDigest", 400), out
    assert out["after"]["ok"] is False and out["after"]["status"] == 404, out


# ------------------------------------------------------------------------------------------------
# Listing, deleting, copying


def test_list_objects_v2_paginator(daemon):
    keys = ([f"flat-{i:02d}" for i in range(12)] +
            ["a/b", "a/b/c", "a/b/d", "a/bc", "a/b/c/e"] +
            ["한글/파일", "한/글", "z\u00e9", "z\U0001F600", "z\uffe0", "ＺＥＮ"])
    out = js(daemon, r"""
await createBucket();
await Promise.all(P.keys.map((k) => client.send(new PutObjectCommand({ Bucket: B, Key: k,
                                                                     Body: k }))));
const pages = [];
for await (const page of paginateListObjectsV2({ client, pageSize: 5 }, { Bucket: B })) {
  pages.push({ keys: (page.Contents ?? []).map((o) => o.Key), count: page.KeyCount,
               truncated: page.IsTruncated,
               algorithms: (page.Contents ?? []).map((o) => o.ChecksumAlgorithm) });
}
const slash = [];
for await (const page of paginateListObjectsV2({ client, pageSize: 2 },
                                               { Bucket: B, Prefix: "a/", Delimiter: "/" })) {
  slash.push({ keys: (page.Contents ?? []).map((o) => o.Key),
               prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix) });
}
const sizes = (await client.send(new ListObjectsV2Command({ Bucket: B, Prefix: "한글/" })))
    .Contents.map((o) => [o.Key, o.Size, o.ETag]);
emit({ pages, slash, sizes, md5: md5hex(Buffer.from("한글/파일")) });
""", keys=keys)
    expected = sorted(keys, key=lambda k: k.encode())  # S3 lists in UTF-8 byte order
    pages = out["pages"]
    assert [k for p in pages for k in p["keys"]] == expected, out
    assert [p["count"] for p in pages] == [5, 5, 5, 5, 3], out
    assert [p["truncated"] for p in pages] == [True, True, True, True, False], out
    assert all(a == ["CRC32"] for p in pages for a in p["algorithms"]), out
    # "a/" with "/": keys a/bc, then one common prefix a/b/ for a/b/c, a/b/c/e and a/b/d;
    # a/b itself is a key.
    listed = [(p["keys"], p["prefixes"]) for p in out["slash"]]
    assert [k for ks, _ in listed for k in ks] == ["a/b", "a/bc"], out
    assert [p for _, ps in listed for p in ps] == ["a/b/"], out
    key = "한글/파일"
    assert out["sizes"] == [[key, len(key.encode()), f'"{out["md5"]}"']], out


def test_delete_objects(daemon):
    out = js(daemon, r"""
await createBucket();
const keys = ["d1", "d2", "d3", "keep/1", "keep/2", "q1", "q2"];
await Promise.all(keys.map((k) => client.send(new PutObjectCommand({ Bucket: B, Key: k,
                                                                   Body: k }))));
const del = await client.send(new DeleteObjectsCommand({ Bucket: B, Delete: {
  Objects: [{ Key: "d1" }, { Key: "d2" }, { Key: "d3" }, { Key: "never-existed" }] } }));
const w = lastSent("DeleteObjectsCommand").headers;
const quiet = await client.send(new DeleteObjectsCommand({ Bucket: B, Delete: {
  Objects: [{ Key: "q1" }, { Key: "q2" }], Quiet: true } }));
const left = await client.send(new ListObjectsV2Command({ Bucket: B }));
emit({ deleted: (del.Deleted ?? []).map((d) => d.Key).sort(), errors: del.Errors ?? [],
       checksum: Object.keys(w).filter((k) => k.startsWith("x-amz-checksum-") ||
                                              k === "content-md5"),
       quietDeleted: quiet.Deleted ?? [], quietErrors: quiet.Errors ?? [],
       left: (left.Contents ?? []).map((o) => o.Key) });
""")
    assert out["deleted"] == ["d1", "d2", "d3", "never-existed"], out
    assert out["errors"] == [], out
    assert out["checksum"] == ["x-amz-checksum-crc32"], out  # DeleteObjects requires one
    assert out["quietDeleted"] == [] and out["quietErrors"] == [], out
    assert out["left"] == ["keep/1", "keep/2"], out


def test_copy_object(daemon):
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(400000);
const src = "dir/원본 file+1.bin";
const put = await client.send(new PutObjectCommand({ Bucket: B, Key: src, Body: data,
                                                     ContentType: "application/x-test",
                                                     Metadata: { origin: "source" } }));
// CopySource is not encoded by the SDK: the caller URL-encodes the key.
const copySource = `${B}/${encodeURIComponent(src)}`;
const copy = await client.send(new CopyObjectCommand({ Bucket: B, Key: "copy/같은.bin",
                                                       CopySource: copySource }));
const headCopy = await client.send(new HeadObjectCommand({ Bucket: B, Key: "copy/같은.bin" }));
const getCopy = await client.send(new GetObjectCommand({ Bucket: B, Key: "copy/같은.bin" }));
const same = (await bytesOf(getCopy)).equals(data);
const replaced = await client.send(new CopyObjectCommand({
  Bucket: B, Key: "copy/replaced", CopySource: copySource, MetadataDirective: "REPLACE",
  ContentType: "text/x-replaced", Metadata: { origin: "replaced" } }));
const headReplaced = await client.send(new HeadObjectCommand({ Bucket: B, Key: "copy/replaced" }));
const missing = await attempt(client.send(new CopyObjectCommand({
  Bucket: B, Key: "x", CopySource: `${B}/does-not-exist` })));
emit({ crc: crc32(data), md5: md5hex(data), putEtag: put.ETag,
       copy: { etag: copy.CopyObjectResult.ETag, crc: copy.CopyObjectResult.ChecksumCRC32,
               modified: copy.CopyObjectResult.LastModified instanceof Date },
       headCopy: { type: headCopy.ContentType, meta: headCopy.Metadata,
                   length: headCopy.ContentLength },
       getCopyCrc: getCopy.ChecksumCRC32, same,
       replacedEtag: replaced.CopyObjectResult.ETag,
       headReplaced: { type: headReplaced.ContentType, meta: headReplaced.Metadata },
       missing });
""")
    etag = f'"{out["md5"]}"'
    assert out["putEtag"] == etag, out
    assert out["copy"] == {"etag": etag, "crc": out["crc"], "modified": True}, out
    assert out["headCopy"] == {"type": "application/x-test", "meta": {"origin": "source"},
                               "length": 400000}, out
    assert out["getCopyCrc"] == out["crc"] and out["same"] is True, out
    assert out["replacedEtag"] == etag, out
    assert out["headReplaced"] == {"type": "text/x-replaced", "meta": {"origin": "replaced"}}, out
    assert out["missing"]["ok"] is False, out
    assert (out["missing"]["name"], out["missing"]["status"]) == ("NoSuchKey", 404), out


# ------------------------------------------------------------------------------------------------
# Multipart through lib-storage


def test_multipart_upload_from_stream(daemon):
    size = 25 * MIB + 777
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(P.size);
const upload = new Upload({ client, params: { Bucket: B, Key: "big/object.bin",
                                              Body: streamOf(data, [MIB, 12345, 999]) },
                            partSize: 5 * MIB, queueSize: 3 });
const done = await upload.done();
const create = lastSent("CreateMultipartUploadCommand").headers;
const parts = sent("UploadPartCommand").map((w) => ({ number: Number(w.query.partNumber),
  length: Number(w.headers["content-length"]), crc: w.headers["x-amz-checksum-crc32"] }))
  .sort((x, y) => x.number - y.number);
const complete = sent("CompleteMultipartUploadCommand").length;

// What S3 computes: ETag = MD5 of the parts' MD5s, "-<parts>"; COMPOSITE CRC32 = CRC32 of the
// parts' CRC32s, "-<parts>".
const partBytes = [];
for (let i = 0; i < data.length; i += 5 * MIB) partBytes.push(data.subarray(i, i + 5 * MIB));
const md5s = partBytes.map((p) => crypto.createHash("md5").update(p).digest());
const etag = md5hex(Buffer.concat(md5s)) + "-" + partBytes.length;
const composite = crc32(Buffer.concat(partBytes.map(crc32Raw))) + "-" + partBytes.length;

const get = await client.send(new GetObjectCommand({ Bucket: B, Key: "big/object.bin" }));
const hash = crypto.createHash("sha256");
let received = 0;
for await (const chunk of get.Body) { hash.update(chunk); received += chunk.length; }
const head = await client.send(new HeadObjectCommand({ Bucket: B, Key: "big/object.bin",
                                                       PartNumber: 2 }));
emit({ etag: quoted(etag), composite, sha: sha256hex(data),
       partsExpected: partBytes.map((p) => ({ length: p.length, crc: crc32(p) })),
       done: { etag: done.ETag, crc: done.ChecksumCRC32, key: done.Key, bucket: done.Bucket },
       createAlgorithm: create["x-amz-checksum-algorithm"] ?? null, parts, complete,
       get: { sha: hash.digest("hex"), received, length: get.ContentLength, etag: get.ETag,
              crc: get.ChecksumCRC32, type: get.ChecksumType },
       head: { length: head.ContentLength, parts: head.PartsCount } });
""", size=size, timeout=300)
    assert out["createAlgorithm"] == "CRC32", out
    assert out["complete"] == 1, out
    assert [(p["length"], p["crc"]) for p in out["parts"]] == \
        [(p["length"], p["crc"]) for p in out["partsExpected"]], out
    assert [p["number"] for p in out["parts"]] == [1, 2, 3, 4, 5, 6], out
    assert out["done"] == {"etag": out["etag"], "crc": out["composite"],
                           "key": "big/object.bin", "bucket": out["done"]["bucket"]}, out
    assert out["get"] == {"sha": out["sha"], "received": size, "length": size,
                          "etag": out["etag"], "crc": out["composite"],
                          "type": "COMPOSITE"}, out
    assert out["head"] == {"length": 5 * MIB, "parts": 6}, out


# ------------------------------------------------------------------------------------------------
# Presigned URLs


def test_presigned_get_and_put_with_fetch(daemon):
    out = js(daemon, r"""
await createBucket();
const data = crypto.randomBytes(20000);
await client.send(new PutObjectCommand({ Bucket: B, Key: "shared.bin", Body: data }));
const getUrl = await getSignedUrl(client, new GetObjectCommand({ Bucket: B, Key: "shared.bin" }),
                                  { expiresIn: 300 });
let r = await fetch(getUrl);
const fetched = { status: r.status, same: Buffer.from(await r.arrayBuffer()).equals(data) };

// A URL for another key with the same signature: SignatureDoesNotMatch.
r = await fetch(getUrl.replace("/shared.bin?", "/other.bin?"));
const tampered = { status: r.status, text: await r.text() };

// PUT, presigned without request checksums (a body unknown at signing time).
const plain = s3({ requestChecksumCalculation: "WHEN_REQUIRED" });
const putUrl = await getSignedUrl(plain, new PutObjectCommand({
  Bucket: B, Key: "uploaded.txt", ContentType: "text/plain" }), { expiresIn: 300 });
r = await fetch(putUrl, { method: "PUT", body: "uploaded through a presigned URL",
                          headers: { "content-type": "text/plain" } });
const put = { status: r.status, etag: r.headers.get("etag"), text: await r.text() };
const back = await client.send(new GetObjectCommand({ Bucket: B, Key: "uploaded.txt" }));

// PUT presigned by the default client with the body known: its CRC32 is in the URL.
const body2 = crypto.randomBytes(3000);
const putUrl2 = await getSignedUrl(client, new PutObjectCommand({ Bucket: B, Key: "with-crc",
                                                                 Body: body2 }),
                                   { expiresIn: 300 });
r = await fetch(putUrl2, { method: "PUT", body: body2 });
const put2 = { status: r.status, text: await r.text() };
const back2 = await client.send(new GetObjectCommand({ Bucket: B, Key: "with-crc" }));
emit({ getUrlQuery: Object.fromEntries(new URL(getUrl).searchParams),
       putUrl2Crc: new URL(putUrl2).searchParams.get("x-amz-checksum-crc32"), crc2: crc32(body2),
       fetched, tampered, put, md5: md5hex(Buffer.from("uploaded through a presigned URL")),
       back: { text: await back.Body.transformToString(), type: back.ContentType },
       put2, back2: (await bytesOf(back2)).equals(body2) });
""")
    q = out["getUrlQuery"]
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256" and q["X-Amz-Expires"] == "300", out
    assert out["fetched"] == {"status": 200, "same": True}, out
    assert out["tampered"]["status"] == 403, out
    assert xml_error(out["tampered"]["text"].encode())["Code"] == "SignatureDoesNotMatch", out
    assert out["put"]["status"] == 200 and out["put"]["etag"] == f'"{out["md5"]}"', out
    assert out["back"] == {"text": "uploaded through a presigned URL", "type": "text/plain"}, out
    assert out["putUrl2Crc"] == out["crc2"], out
    assert out["put2"]["status"] == 200, out
    assert out["back2"] is True, out


# ------------------------------------------------------------------------------------------------
# Errors


def test_wrong_secret_is_signature_does_not_match(daemon):
    out = js(daemon, r"""
await createBucket();
await client.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "real" }));
const bad = s3({ credentials: { accessKeyId: "test", secretAccessKey: "not-the-secret" } });
const get = await attempt(bad.send(new GetObjectCommand({ Bucket: B, Key: "k" })));
const put = await attempt(bad.send(new PutObjectCommand({ Bucket: B, Key: "k", Body: "fake" })));
const putNew = await attempt(bad.send(new PutObjectCommand({ Bucket: B, Key: "new",
                                                           Body: "fake" })));
const still = await (await client.send(new GetObjectCommand({ Bucket: B, Key: "k" })))
    .Body.transformToString();
const created = await attempt(client.send(new HeadObjectCommand({ Bucket: B, Key: "new" })));
emit({ get, put, putNew, still, created });
""")
    for name in ("get", "put", "putNew"):
        r = out[name]
        assert r["ok"] is False, out
        assert (r["name"], r["status"]) == ("SignatureDoesNotMatch", 403), out
    assert out["still"] == "real", out
    assert out["created"]["ok"] is False and out["created"]["status"] == 404, out


def test_get_missing_key_is_no_such_key(daemon):
    out = js(daemon, r"""
await createBucket();
const missing = await attempt(client.send(new GetObjectCommand({ Bucket: B, Key: "no/such" })));
const noBucket = await attempt(client.send(new GetObjectCommand({ Bucket: B + "-x", Key: "k" })));
emit({ missing, noBucket });
""")
    assert out["missing"]["ok"] is False, out
    assert (out["missing"]["name"], out["missing"]["status"]) == ("NoSuchKey", 404), out
    assert (out["noBucket"]["name"], out["noBucket"]["status"]) == ("NoSuchBucket", 404), out


# ------------------------------------------------------------------------------------------------
# requestChecksumCalculation / responseChecksumValidation: WHEN_REQUIRED


def test_when_required_sends_no_default_checksums(daemon):
    out = js(daemon, r"""
const c = s3({ requestChecksumCalculation: "WHEN_REQUIRED",
               responseChecksumValidation: "WHEN_REQUIRED" });
await c.send(new CreateBucketCommand({ Bucket: B }));
const data = crypto.randomBytes(200003);
const checksumHeaders = (h) => Object.keys(h).filter((k) => k.startsWith("x-amz-checksum-") ||
    k === "x-amz-sdk-checksum-algorithm" || k === "x-amz-trailer" || k === "content-md5");
const results = {};
async function roundTrip(name, input, expected) {
  const put = await c.send(new PutObjectCommand({ Bucket: B, Key: name, ...input }));
  const w = lastSent("PutObjectCommand").headers;
  const get = await c.send(new GetObjectCommand({ Bucket: B, Key: name }));
  const gw = lastSent("GetObjectCommand").headers;
  results[name] = {
    wire: { checksums: checksumHeaders(w), encoding: w["content-encoding"] ?? null,
            sha: w["x-amz-content-sha256"], length: w["content-length"] ?? null,
            te: w["transfer-encoding"] ?? null },
    putCrc: put.ChecksumCRC32 ?? null, putEtag: put.ETag,
    getMode: gw["x-amz-checksum-mode"] ?? null, getCrc: get.ChecksumCRC32 ?? null,
    same: (await bytesOf(get)).equals(expected) };
}
await roundTrip("buffer", { Body: data }, data);
const text = "WHEN_REQUIRED 문자열";
await roundTrip("string", { Body: text }, Buffer.from(text));
await roundTrip("known", { Body: streamOf(data), ContentLength: data.length }, data);
await roundTrip("unknown", { Body: streamOf(data) }, data);

const big = crypto.randomBytes(11 * MIB);
const done = await new Upload({ client: c,
                                params: { Bucket: B, Key: "multi", Body: streamOf(big, [MIB]) },
                                partSize: 5 * MIB, queueSize: 2 }).done();
const create = lastSent("CreateMultipartUploadCommand").headers;
const partChecksums = sent("UploadPartCommand").flatMap((w) => checksumHeaders(w.headers));
const multi = await c.send(new GetObjectCommand({ Bucket: B, Key: "multi" }));
const multiSame = (await bytesOf(multi)).equals(big);
const missing = await attempt(c.send(new GetObjectCommand({ Bucket: B, Key: "absent" })));
emit({ results, md5: md5hex(data),
       multi: { createAlgorithm: create["x-amz-checksum-algorithm"] ?? null, partChecksums,
                doneCrc: done.ChecksumCRC32 ?? null, same: multiSame,
                getCrc: multi.ChecksumCRC32 ?? null },
       missing });
""", timeout=300)
    r = out["results"]
    for name in ("buffer", "string", "known", "unknown"):
        assert r[name]["wire"]["checksums"] == [], (name, out)
        assert r[name]["wire"]["encoding"] is None, (name, out)  # no aws-chunked
        assert r[name]["putCrc"] is None and r[name]["getCrc"] is None, (name, out)
        assert r[name]["getMode"] is None, (name, out)
        assert r[name]["same"] is True, (name, out)
    assert r["buffer"]["putEtag"] == f'"{out["md5"]}"', out
    assert r["known"]["wire"]["length"] == "200003", out
    assert r["unknown"]["wire"]["length"] is None, out  # node sends it chunked
    assert out["multi"] == {"createAlgorithm": None, "partChecksums": [], "doneCrc": None,
                            "same": True, "getCrc": None}, out
    assert out["missing"]["ok"] is False, out
    assert (out["missing"]["name"], out["missing"]["status"]) == ("NoSuchKey", 404), out


# ------------------------------------------------------------------------------------------------
# Signed streaming payloads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), built with botocore's signer.
# The JS SDK has no signed-chunk encoder, so these requests are made here and sent raw.

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def chunk_signatures(auth: SigV4Auth, request: AWSRequest, seed: str,
                     chunks: List[bytes]) -> List[str]:
    """The signature chain of aws-chunked chunks (AWS "sigv4-streaming"): each signs
    "AWS4-HMAC-SHA256-PAYLOAD", the timestamp, the scope, the previous signature, the hash of the
    empty string and the chunk's hash, with the request's signing key."""
    timestamp = request.context["timestamp"]
    scope = auth.credential_scope(request)
    previous, out = seed, []
    for chunk in chunks:
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", timestamp, scope, previous,
                                    EMPTY_SHA256, hashlib.sha256(chunk).hexdigest()])
        previous = auth.signature(string_to_sign, request)
        out.append(previous)
    return out


def test_chunk_signatures_match_the_aws_example():
    """The chain above reproduces the worked example of AWS's sigv4-streaming documentation."""
    auth = SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE",
                                 "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "s3", "us-east-1")
    request = AWSRequest(method="PUT",
                         url="https://s3.amazonaws.com/examplebucket/chunkObject.txt")
    request.context["timestamp"] = "20130524T000000Z"
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert chunk_signatures(auth, request, seed, [b"a" * 65536, b"a" * 1024, b""]) == [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]


def signed_streaming_put(daemon, bucket: str, key: str, data: bytes, chunk_size: int = 65536,
                         corrupt: Optional[int] = None) -> RawResponse:
    """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD. `corrupt`: index of the chunk (the final
    empty one included) whose signature is damaged on the wire."""
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    encoded_length = sum(len(f"{len(c):x};chunk-signature=") + 64 + 2 + len(c) + 2
                         for c in chunks)
    path = f"/{bucket}/{key}"
    request = AWSRequest(method="PUT", url=daemon.endpoint + path, headers={
        "Host": daemon.netloc,
        "Content-Encoding": "aws-chunked",
        "Content-Length": str(encoded_length),
        "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "X-Amz-Decoded-Content-Length": str(len(data)),
    })
    auth = SigV4Auth(Credentials("test", "test"), "s3", REGION)
    auth.add_auth(request)
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    body = b""
    for i, (chunk, signature) in enumerate(zip(chunks, chunk_signatures(auth, request, seed,
                                                                        chunks))):
        if i == corrupt:
            signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
        body += f"{len(chunk):x};chunk-signature={signature}\r\n".encode() + chunk + b"\r\n"
    assert len(body) == encoded_length
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
    conn = RawConnection(daemon.port)
    try:
        conn.send(head.encode() + body)
        return conn.read_response()
    finally:
        conn.close()


@pytest.fixture
def boto_s3(daemon):
    return daemon.client("s3", region=REGION)


@pytest.fixture
def s3_bucket(boto_s3):
    name = new_bucket()
    boto_s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def object_bytes(s3, bucket: str, key: str) -> Optional[bytes]:
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as e:
        assert e.response["Error"]["Code"] == "NoSuchKey", e.response
        return None


@pytest.mark.parametrize("size", [0, 1, 8192, 65536, 65537, 300001])
def test_signed_streaming_put(daemon, boto_s3, s3_bucket, size):
    data = os.urandom(size)
    r = signed_streaming_put(daemon, s3_bucket, "signed.bin", data)
    assert r.status == 200, r
    assert r.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"', r
    assert object_bytes(boto_s3, s3_bucket, "signed.bin") == data


@pytest.mark.parametrize("corrupt", [0, 2, 4], ids=["first-chunk", "middle-chunk", "final-chunk"])
@pytest.mark.parametrize("existing", [False, True], ids=["new-key", "overwrite"])
def test_signed_streaming_put_with_a_bad_chunk_signature(daemon, boto_s3, s3_bucket, corrupt,
                                                         existing):
    old = os.urandom(1000)
    if existing:
        boto_s3.put_object(Bucket=s3_bucket, Key="target", Body=old)
    data = os.urandom(4 * 65536 - 100)  # four data chunks and the final empty one
    r = signed_streaming_put(daemon, s3_bucket, "target", data, corrupt=corrupt)
    assert r.status == 403, r
    assert xml_error(r.body)["Code"] == "SignatureDoesNotMatch", r
    assert object_bytes(boto_s3, s3_bucket, "target") == (old if existing else None)
    # Nothing half-written is listed either.
    listed = boto_s3.list_objects_v2(Bucket=s3_bucket).get("Contents", [])
    assert [o["Key"] for o in listed] == (["target"] if existing else []), listed
    # The daemon is still fine for the next well-signed upload.
    assert signed_streaming_put(daemon, s3_bucket, "target", data).status == 200
    assert object_bytes(boto_s3, s3_bucket, "target") == data


def test_unsigned_trailer_with_a_wrong_checksum_is_bad_digest(daemon, boto_s3, s3_bucket):
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER whose trailing x-amz-checksum-crc32 does not match the
    body (what the JS SDK sends for streams, with the checksum damaged): 400 BadDigest, and the
    object is not written."""
    data = os.urandom(70000)
    chunks = [data[:65536], data[65536:], b""]
    body = b"".join(f"{len(c):x}\r\n".encode() + c + (b"\r\n" if c else b"") for c in chunks)
    body += b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    path = f"/{s3_bucket}/trailer"
    request = AWSRequest(method="PUT", url=daemon.endpoint + path, headers={
        "Host": daemon.netloc,
        "Content-Encoding": "aws-chunked",
        "Content-Length": str(len(body)),
        "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "X-Amz-Decoded-Content-Length": str(len(data)),
        "X-Amz-Trailer": "x-amz-checksum-crc32",
        "X-Amz-Sdk-Checksum-Algorithm": "CRC32",
    })
    SigV4Auth(Credentials("test", "test"), "s3", REGION).add_auth(request)
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in request.headers.items()) + "\r\n"
    conn = RawConnection(daemon.port)
    try:
        conn.send(head.encode() + body)
        r = conn.read_response()
    finally:
        conn.close()
    assert r.status == 400, r
    assert xml_error(r.body)["Code"] == "BadDigest", r
    assert object_bytes(boto_s3, s3_bucket, "trailer") is None
