"""The original processing-results loader and record, over the core's ``ProcessingLoader``."""

from __future__ import annotations

from ricochetdb.adapters.processing_files import FolderProcessingFiles
from ricochetdb.application.ingest import IngestReport
from ricochetdb.domain.processing import parse_processing
from ricochetdb.entrypoints.compat.database import Database
from ricochetdb.entrypoints.compat.dates import naive


class ProcessingDataLoader:
    """Loads the processing's JSON files into the ``processing_results`` collection (newer generations only)."""

    def parse_folder(self, folder_name: str, regexp: str, delete_files: bool = True) -> IngestReport:
        """Load the files of ``folder_name`` whose name fully matches ``regexp``; malformed ones go to ``rejected/``."""
        ricochet = Database.get_database().connection()
        return ricochet.processing.parse_folder(folder_name, regexp, delete_files)


class ProcessingRecord:
    """One processing file: ``stream_id``, ``file_ts`` (generation time, naive UTC) and ``records``."""

    def __init__(self, file_name: str) -> None:
        result = parse_processing(FolderProcessingFiles().read(file_name), file_name)
        self.stream_id = result.stream_id
        self.file_ts = naive(result.generated)
        self.records = result.records
