"""Uploads larger than DELIVEROLOGY_MAX_UPLOAD_MB stop being read when they pass it.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE and FILE_UPLOAD_MAX_MEMORY_SIZE do not limit a file's
size (a large file streams to a temporary file), so this handler, first in
FILE_UPLOAD_HANDLERS, counts the bytes as they arrive and stops the upload past the limit; the
import form then says why.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from deliverology.web.performance.imports import file_too_large

TOO_LARGE = "upload_too_large"  # the request attribute saying why an upload was stopped


class SizeLimitedUpload(FileUploadHandler):
    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        problem = file_too_large(start + len(raw_data))
        if problem and self.request is not None:
            setattr(self.request, TOO_LARGE, problem)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handlers keep the file
