"""The project model: what tether.yaml declares, loaded, validated and frozen."""

from __future__ import annotations

from tether.model.discovery import find_project
from tether.model.loader import PROJECT_FILE, read_project_file
from tether.model.project import (
    RESOURCE_TYPES,
    TRIGGER_TYPES,
    Bucket,
    BucketTrigger,
    Function,
    HttpApi,
    HttpTrigger,
    Location,
    Operation,
    Project,
    Queue,
    QueueTrigger,
    Resource,
    Schedule,
    ScheduleTrigger,
    StreamTrigger,
    Table,
    TableIndex,
    Topic,
    TopicTrigger,
    Trigger,
)

__all__ = [
    "PROJECT_FILE",
    "RESOURCE_TYPES",
    "TRIGGER_TYPES",
    "Bucket",
    "BucketTrigger",
    "Function",
    "HttpApi",
    "HttpTrigger",
    "Location",
    "Operation",
    "Project",
    "Queue",
    "QueueTrigger",
    "Resource",
    "Schedule",
    "ScheduleTrigger",
    "StreamTrigger",
    "Table",
    "TableIndex",
    "Topic",
    "TopicTrigger",
    "Trigger",
    "find_project",
    "read_project_file",
]
