"""A typed, blocking client of imagestreams.v1.ProjectService: the projects streams and secrets live in.

with ProjectClient("127.0.0.1:50051", token=token) as projects:
    projects.create_project("team-a", display_name="Team A")
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from imagestreams.v1 import project_service_pb2 as api
from imagestreams.v1 import project_service_pb2_grpc as api_grpc

from .connection import Connection, every_page


class ProjectClient(Connection):
    """Same constructor, credentials and errors as `Client` (see `Connection`)."""

    def _open_stubs(self, channel: grpc.Channel) -> None:
        self._stub = api_grpc.ProjectServiceStub(channel)  # type: ignore[no-untyped-call]

    def create_project(self, name: str, *, display_name: str = "", description: str = "") -> api.CreateProjectResponse:
        """Creates a project; the caller becomes its admin."""
        request = api.CreateProjectRequest(name=name, display_name=display_name, description=description)
        return self._call(self._stub.CreateProject, request, api.CreateProjectResponse)

    def get_project(self, name: str) -> api.GetProjectResponse:
        return self._call(self._stub.GetProject, api.GetProjectRequest(name=name), api.GetProjectResponse)

    def list_projects(self, *, page_size: int = 0, page_token: str = "") -> api.ListProjectsResponse:
        """One page of the projects the caller may see."""
        request = api.ListProjectsRequest(page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListProjects, request, api.ListProjectsResponse)

    def iter_projects(self, *, page_size: int = 0) -> Iterator[api.Project]:
        return every_page(lambda token: self.list_projects(page_size=page_size, page_token=token), lambda p: p.projects)

    def delete_project(self, name: str) -> api.DeleteProjectResponse:
        """Deletes a project and everything in it."""
        return self._call(self._stub.DeleteProject, api.DeleteProjectRequest(name=name), api.DeleteProjectResponse)
