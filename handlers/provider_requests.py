from specmock.media.services import provider_requests as service


def create_provider_requests(store, caller, provider_id, body=None):
    return service.create(store, caller, provider_id, body or {}), 200
