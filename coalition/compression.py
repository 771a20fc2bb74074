"""Pages and JSON compressed with brotli or gzip (Flask-Compress), for poor connections.

BREACH reads a secret out of a compressed HTTPS page by reflecting guesses into the same
page and watching its size, from many requests the victim's browser sends with its cookies.
Our session cookie is `SameSite=Lax`, so another site's requests carry no session and see
no signed-in page; on top of that, the sign-in page — a CSRF token beside the user name it
echoes back — is never compressed. Downloads (xlsx, csv) are left as they are: a workbook
is already a zip file and a CSV is streamed.
"""

from flask import Flask, Response, request
from flask_compress import Compress

compress = Compress()
#: pages that hold a secret next to text the requester chose
NEVER_COMPRESSED = frozenset({"accounts.login"})


def register_compression(app: Flask) -> None:
    """Compress HTML and JSON responses, except the pages listed above."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)

    @app.after_request
    def compressed(response: Response) -> Response:
        if request.endpoint in NEVER_COMPRESSED:
            return response
        return compress.after_request(response)
