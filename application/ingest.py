"""The processing-results loader: load files newer than the database, then delete them.

Order of work for one folder: leave for the next run every file still being written
(the folder says which: see ``ProcessingFiles.busy``); read and validate every other
matching file; reject the malformed ones and those the store cannot hold (reported
with the reason, moved aside, never blocking the others); then, oldest generation
first, store each result only if it is newer than the one held for its stream, and
delete the file only once the store has acknowledged the write. A crash at any point
therefore never deletes a file whose data is not stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ricochetdb.application.bookkeeping import StreamBook
from ricochetdb.application.ports import ProcessingRepository
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.processing import ProcessingResult, parse_processing

logger = logging.getLogger(__name__)


class ProcessingFiles(Protocol):
    """The folder the processing drops its files into."""

    def list(self, folder: str, pattern: re.Pattern[str]) -> list[str]:
        """Paths of the files whose name fully matches ``pattern``, sorted by name."""
        ...

    def read(self, path: str) -> bytes: ...

    def busy(self, paths: Sequence[str]) -> dict[str, str]:
        """The files among ``paths`` still being written, each with why: they are left for the next run."""
        ...

    def delete(self, path: str) -> None: ...

    def reject(self, path: str, reason: str) -> str:
        """Move a malformed file aside with its reason; return where it went."""
        ...


@dataclass
class IngestReport:
    """What became of each file: loaded, skipped (with why) or rejected (with why)."""

    loaded: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def compile_pattern(regexp: str) -> re.Pattern[str]:
    try:
        return re.compile(regexp)
    except (re.error, TypeError) as error:
        raise ValidationError("file name pattern", str(regexp), f"is not a valid regular expression: {error}") from None


class ProcessingLoader:
    """Loads a folder of processing files into one collection of results.

    With ``streams``, a result for a stream that book does not hold is rejected like a malformed file.
    """

    def __init__(
        self, repository: ProcessingRepository, files: ProcessingFiles, streams: StreamBook | None = None
    ) -> None:
        self.repository = repository
        self.files = files
        self.streams = streams

    def _reject(self, path: str, error: ValidationError, report: IngestReport) -> None:
        where = self.files.reject(path, str(error))
        logger.error("rejected %s (moved to %s): %s", path, where, error)
        report.rejected.append((path, str(error)))

    def _known_streams(
        self, results: list[tuple[ProcessingResult, str]], report: IngestReport
    ) -> list[tuple[ProcessingResult, str]]:
        """The results whose stream exists; the others are rejected, naming the stream collection."""
        if self.streams is None or not results:
            return results
        known = self.streams.repository.existing([result.stream_id for result, _ in results])
        for result, path in results:
            if result.stream_id not in known:
                reason = f"does not exist in {self.streams.collection!r}"
                self._reject(
                    path, ValidationError(f"processing file {path}", f"stream_id {result.stream_id!r}", reason), report
                )
        return [(result, path) for result, path in results if result.stream_id in known]

    def parse_folder(self, folder: str, regexp: str, delete_files: bool = True) -> IngestReport:
        report = IngestReport()
        results: list[tuple[ProcessingResult, str]] = []
        paths = self.files.list(folder, compile_pattern(regexp))
        busy = self.files.busy(paths)
        for path in paths:
            if path in busy:
                logger.info("skipped %s: %s", path, busy[path])
                report.skipped.append((path, busy[path]))
                continue
            try:
                results.append((parse_processing(self.files.read(path), path), path))
            except ValidationError as error:
                self._reject(path, error, report)
        results = self._known_streams(results, report)
        for result, path in sorted(results, key=lambda item: (item[0].stream_id, item[0].generated, item[1])):
            self._load(result, path, delete_files, report)
        return report

    def _load(self, result: ProcessingResult, path: str, delete_files: bool, report: IngestReport) -> None:
        try:
            newer = self.repository.store_if_newer(result)
        except ValidationError as error:
            self._reject(path, error, report)
            return
        if newer:
            report.loaded.append(path)
            logger.info("loaded %s (stream %s, generated %s)", path, result.stream_id, result.generated.isoformat())
            if delete_files:
                self.files.delete(path)
                report.deleted.append(path)
            return
        stored = self.repository.get(result.stream_id)
        if stored is not None and stored.same_content(result):
            report.skipped.append((path, "already in the database"))
            if delete_files:
                self.files.delete(path)
                report.deleted.append(path)
            return
        held = "?" if stored is None else stored.generated.isoformat()
        reason = f"not newer than the stored generation {held} of stream {result.stream_id!r}: kept"
        logger.warning("skipped %s: %s", path, reason)
        report.skipped.append((path, reason))
