"""moto's S3 + SQS server, with S3's conditional writes made atomic.

S3 applies `If-Match` / `If-None-Match` on PUT, DELETE and multipart
completion atomically: of two writers holding the same ETag, one wins and
the other gets 412. moto checks the condition and then writes, on one
thread per request, so two such writers can both pass the check and one
update is silently lost — the very race the state document's
compare-and-swap exists to prevent (`racing_updates` in
common/store/src/testing.rs caught it: 99 of 100 increments). Holding one
lock across check and write gives the local server the guarantee the real
service documents. Everything else (SQS long polls included) stays
concurrent.

Usage: python moto_server.py [moto_server's arguments]
"""

import sys
import threading

from moto.s3.responses import S3Response
from moto.server import main

_WRITES = threading.Lock()


def _atomic(method):
    def locked(self, *args, **kwargs):
        with _WRITES:
            return method(self, *args, **kwargs)

    locked.__name__ = method.__name__
    return locked


for _name in ("put_object", "delete_object", "_key_response_post"):
    setattr(S3Response, _name, _atomic(getattr(S3Response, _name)))

if __name__ == "__main__":
    sys.exit(main())
