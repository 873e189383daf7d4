"""Reading the analyst's folder: the profile, the two documents, and where the data is."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from ml_engineer.errors import InputsError
from ml_engineer.inputs.analyst_notes import read_analyst_notes
from ml_engineer.inputs.dataset_location import DatasetLocation, find_dataset, linked_data_files
from ml_engineer.inputs.profile_detect import find_profile, read_profile
from ml_engineer.models import AnalystNotes, DataProfile
from ml_engineer.near_paths import did_you_mean


class LoadedInputs(BaseModel):
    data_dir: str
    profile: DataProfile
    notes: AnalystNotes
    dataset: DatasetLocation | None = None
    log: list[str] = Field(default_factory=list)


def load_inputs(data_dir: Path, profile_path: Path | None = None) -> LoadedInputs:
    """The analyst's folder; `profile_path` names the profile when the user chose one."""
    if not data_dir.exists():
        raise InputsError(
            f"The data folder {data_dir} does not exist.{did_you_mean(data_dir)} Pass the "
            "analyst's folder, e.g. `ml-engineer run output/<slug>/data`.",
            path=str(data_dir),
        )
    if not data_dir.is_dir():
        raise InputsError(
            f"{data_dir} is a file, not a folder. Pass the folder that holds profile.json "
            "(or profile.md), e.g. `ml-engineer run output/<slug>/data`.",
            path=str(data_dir),
        )
    profile = read_profile(profile_path or find_profile(data_dir))
    notes = read_analyst_notes(data_dir, profile.column_names)
    location = find_dataset(data_dir, profile.dataset_path)
    log = [
        f"Profile: {Path(profile.profile_path).name} ({profile.source_format} format), "
        f"{len(profile.columns)} columns"
        + (f", {profile.row_count} rows" if profile.row_count is not None else "")
    ]
    if profile.unread_fields:
        log.append("Profile fields not understood: " + ", ".join(profile.unread_fields))
    log.append("Documents read: " + (", ".join(notes.sources) or "none"))
    if location is not None:
        log.append(f"Dataset: {location.path}, found as {location.how_found}")
    else:
        named = (
            f" (the profile names {profile.dataset_path!r}, which is not here)"
            if (profile.dataset_path)
            else ""
        )
        links = linked_data_files(data_dir)
        if links:
            named = (
                f" ({', '.join(links)} {'is a symbolic link' if len(links) == 1 else 'are links'}"
                ", which ml-engineer does not follow: a link can point at any file on this "
                "machine. Copy the data into the folder to use it)"
            )
        log.append(f"Dataset: not found{named}; the script will be written but not run")
    return LoadedInputs(
        data_dir=str(data_dir), profile=profile, notes=notes, dataset=location, log=log
    )
