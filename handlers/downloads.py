from specmock.media.services import downloads as service


def create_download(store, caller, base_url, body=None):
    return service.create(store, caller, base_url, body or {}), 200


def get_download_zip(store, download_id, timestamp=None):
    return service.archive(store, download_id), 200, {
        "Content-Type": "application/zip", "Content-Disposition": f'attachment; filename="{download_id}.zip"'}
