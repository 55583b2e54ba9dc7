from connexion.lifecycle import ConnexionResponse

from specmock.services import downloads as service


def create_download(store, caller, base_url, body=None):
    body = body or {}
    return service.create(store, caller, base_url, body.get("image_ids[]"), body.get("id")), 200


def get_download_zip(store, download_id, timestamp=None):
    return ConnexionResponse(
        body=service.archive(store, download_id), status_code=200, content_type="application/zip",
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{download_id}.zip"'},
    )
