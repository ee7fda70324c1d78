"""The processing loader with a fake folder: what is loaded, skipped, rejected and deleted."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.ingest import ProcessingLoader
from ricochetdb.domain.errors import StoreUnavailable, ValidationError
from ricochetdb.domain.processing import ProcessingResult


class FakeFolder:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = {f"in/{name}": text for name, text in files.items()}
        self.rejected: dict[str, str] = {}
        self.writing: set[str] = set()

    def busy(self, paths: list[str]) -> dict[str, str]:
        return {path: "still being written" for path in paths if path in self.writing}

    def list(self, folder: str, pattern: re.Pattern[str]) -> list[str]:
        return sorted(p for p in self.files if p.startswith(folder + "/") and pattern.fullmatch(p.split("/")[-1]))

    def read(self, path: str) -> bytes:
        return self.files[path].encode()

    def delete(self, path: str) -> None:
        del self.files[path]

    def reject(self, path: str, reason: str) -> str:
        self.rejected[path] = reason
        del self.files[path]
        return f"in/rejected/{path}"


def doc(stream: str, when: str, value: int = 1) -> str:
    return json.dumps({"stream_id": stream, "timestamp": when, "records": [{"v": value}]})


def loader(
    files: dict[str, str], store: InMemoryStore | None = None
) -> tuple[ProcessingLoader, FakeFolder, InMemoryStore]:
    store = store or InMemoryStore()
    folder = FakeFolder(files)
    return ProcessingLoader(store.processing("processing"), folder), folder, store


class TestParseFolder:
    def test_several_streams_are_loaded_oldest_generation_first_then_deleted(self) -> None:
        files = {
            "b.json": doc("s1", "2026-11-24T04:00:00Z", 2),
            "a.json": doc("s1", "2026-11-24T03:00:00Z", 1),
            "c.json": doc("s2", "2026-11-24T03:00:00Z"),
        }
        ingest, folder, store = loader(files)
        report = ingest.parse_folder("in", r"[a-z]\.json")
        assert report.loaded == ["in/a.json", "in/b.json", "in/c.json"]
        assert folder.files == {}
        stored = store.processing("processing").get("s1")
        assert stored is not None and stored.records == [{"v": 2}]

    def test_an_older_file_is_skipped_and_kept(self) -> None:
        ingest, folder, store = loader({"old.json": doc("s1", "2026-11-24T02:00:00Z")})
        store.processing("processing").store_if_newer(ProcessingResult("s1", datetime(2026, 11, 24, 3, tzinfo=UTC), []))
        report = ingest.parse_folder("in", r".*\.json")
        assert report.loaded == [] and "not newer" in report.skipped[0][1]
        assert "in/old.json" in folder.files

    def test_an_equal_file_already_in_the_database_is_deleted(self) -> None:
        text = doc("s1", "2026-11-24T03:00:00Z")
        first, _, store = loader({"a.json": text})
        first.parse_folder("in", r".*\.json")
        again, folder, _ = loader({"a.json": text}, store)
        report = again.parse_folder("in", r".*\.json")
        assert report.skipped == [("in/a.json", "already in the database")] and folder.files == {}

    def test_an_equal_timestamp_with_other_content_is_kept(self) -> None:
        first, _, store = loader({"a.json": doc("s1", "2026-11-24T03:00:00Z", 1)})
        first.parse_folder("in", r".*\.json")
        again, folder, _ = loader({"a.json": doc("s1", "2026-11-24T03:00:00Z", 2)}, store)
        assert "not newer" in again.parse_folder("in", r".*\.json").skipped[0][1]
        assert folder.files != {}

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("{bad json", "not valid JSON"),
            (json.dumps({"timestamp": "2026-11-24T03:00:00Z", "records": []}), "stream_id"),
            (json.dumps({"stream_id": "s", "records": []}), "timestamp"),
            (json.dumps({"stream_id": "s", "timestamp": "2026-11-24T03:00:00", "records": []}), "no timezone"),
            (json.dumps({"stream_id": "s", "timestamp": "2026-11-24T03:00:00Z", "records": [1]}), "records"),
            (json.dumps([1, 2]), "object"),
        ],
    )
    def test_a_malformed_file_is_rejected_with_its_reason_and_others_still_load(self, text: str, reason: str) -> None:
        ingest, folder, _ = loader({"bad.json": text, "good.json": doc("s1", "2026-11-24T03:00:00Z")})
        report = ingest.parse_folder("in", r".*\.json")
        assert report.loaded == ["in/good.json"]
        assert report.rejected[0][0] == "in/bad.json" and reason in report.rejected[0][1]
        assert "bad.json" in folder.rejected["in/bad.json"]

    def test_keep_files_when_asked(self) -> None:
        ingest, folder, _ = loader({"a.json": doc("s1", "2026-11-24T03:00:00Z")})
        assert ingest.parse_folder("in", r".*\.json", delete_files=False).loaded == ["in/a.json"]
        assert "in/a.json" in folder.files

    def test_only_names_matching_the_whole_pattern_are_read(self) -> None:
        ingest, _, _ = loader({"12345678.json": doc("s", "2026-11-24T03:00:00Z"), "notes.txt": "x", "1.json.bak": "x"})
        assert ingest.parse_folder("in", r"[0-9a-z]{8}\.json").loaded == ["in/12345678.json"]

    def test_a_bad_pattern_is_a_clear_error(self) -> None:
        with pytest.raises(ValidationError, match="regular expression"):
            loader({})[0].parse_folder("in", "[")

    def test_a_store_failure_midway_deletes_no_file_whose_data_is_not_stored(self) -> None:
        files = {f"{i}.json": doc(f"s{i}", "2026-11-24T03:00:00Z") for i in range(5)}
        ingest, folder, store = loader(files)
        repository = ingest.repository
        original = repository.store_if_newer
        calls = []

        def failing(result: ProcessingResult) -> bool:
            calls.append(result.stream_id)
            if len(calls) == 3:
                raise StoreUnavailable("mongodb", "", "connection lost")
            return original(result)

        repository.store_if_newer = failing  # type: ignore[method-assign]
        with pytest.raises(StoreUnavailable):
            ingest.parse_folder("in", r".*\.json")
        processing = store.processing("processing")
        for path in files:
            stream = "s" + path.split(".")[0]
            assert (f"in/{path}" in folder.files) == (processing.get(stream) is None)


class TestFilesThatCannotBeTaken:
    def test_a_file_still_being_written_is_left_for_the_next_run(self) -> None:
        ingest, folder, _ = loader({"a.json": doc("s1", "2026-11-24T03:00:00Z"), "b.json": '{"stream_id": "s2", "ti'})
        folder.writing.add("in/b.json")
        report = ingest.parse_folder("in", r".*\.json")
        assert report.loaded == ["in/a.json"] and report.rejected == []
        assert report.skipped == [("in/b.json", "still being written")] and "in/b.json" in folder.files

    def test_a_result_the_store_refuses_is_rejected_and_the_folder_goes_on(self) -> None:
        files = {f"{i}.json": doc(f"s{i}", "2026-11-24T03:00:00Z") for i in range(3)}
        ingest, folder, _ = loader(files)
        original = ingest.repository.store_if_newer

        def refusing(result: ProcessingResult) -> bool:
            if result.stream_id == "s1":
                raise ValidationError("storing a processing result in 'processing'", "", "BSON document too large")
            return original(result)

        ingest.repository.store_if_newer = refusing  # type: ignore[method-assign]
        report = ingest.parse_folder("in", r".*\.json")
        assert report.loaded == ["in/0.json", "in/2.json"]
        assert report.rejected[0][0] == "in/1.json" and "too large" in folder.rejected["in/1.json"]
