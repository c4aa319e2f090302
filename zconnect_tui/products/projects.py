"""Zoho Projects: its own host (`projectsapi.zoho.<tld>`), a portal in the path, `index`/`range` pages.

Read on Zoho's pages (facts §14.3; docs/zoho-fidelity.md): `GET https://projectsapi.zoho.com/restapi/portals/`
(scope ZohoProjects.portals.READ) lists `portals[]` with `id`, `id_string`, `name` and `default`; every
other call names the portal in its path, `/restapi/portal/{PORTAL_ID}/projects/`; lists take `index` and
`range`. UNCONFIRMED, built for both or flagged: the host outside the US (`projectsapi.zoho.<tld>` by
pattern), which of `id` and `id_string` the path wants (Zoho's own sample links with `id_string`, so
that is used, else `id`), `index` counting from 1 and `range` at most 200 (facts §14.3), and the 204
for an empty page (Projects lists 204 among its statuses; a short page ends the walk either way).
"""

from __future__ import annotations

from zconnect_tui.pagination import OffsetPaginator
from zconnect_tui.products.base import PATH, Context, Product
from zconnect_tui.services import PROFILE_SCOPE


class ProjectsPaginator(OffsetPaginator):
    """Projects: `index` (from 1, as documented) and `range` (at most 200); the records are under the
    resource's own name (`projects`, `tasks`, …), so the body's one list is read."""

    name = "Projects"
    start_key = "index"
    size_key = "range"
    first_index = 1
    default_size = 200


PROJECTS = Product(
    key="projects", label="Zoho Projects", short="Projects",
    scopes=("ZohoProjects.portals.READ", "ZohoProjects.projects.ALL", "ZohoProjects.projects.READ",
            "ZohoProjects.tasks.ALL", "ZohoProjects.tasklists.ALL", "ZohoProjects.milestones.ALL",
            "ZohoProjects.timesheets.ALL", "ZohoProjects.bugs.ALL", "ZohoProjects.users.ALL",
            "ZohoProjects.documents.READ", PROFILE_SCOPE),
    # Read-only: the portals (the verification call) and the projects (the first call).
    defaults=("ZohoProjects.portals.READ", "ZohoProjects.projects.READ", PROFILE_SCOPE),
    host_pattern="https://projectsapi.zoho.{tld}",
    host_exceptions={"ca": "https://projectsapi.zohocloud.ca"},
    # projectsapi.zoho.com is on Zoho's API page and the `<tld>` pattern in facts §8; eu/in/au/jp are in wide
    # third-party use; ca is seen as both zohocloud.ca and zoho.ca; nothing names sa, uk, cn or ae.
    unconfirmed_hosts=("jp", "ca", "sa", "uk", "cn", "ae"),
    prefixes=("/",),  # everything on its host is Projects'
    context=Context(
        noun="portal", label="Projects portal", list_path="/restapi/portals/", list_key="portals",
        id_keys=("id_string", "id"), name_keys=("name",), default_key="default", detail_key="plan",
        numeric=True, send=PATH, send_name="portal", check_listed=True),
    pages=(("/restapi/", ProjectsPaginator),),
    first_call="/restapi/portal/{portal}/projects/",
)
