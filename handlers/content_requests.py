from specmock.media.services import content_requests as service


def list_content_requests(store, caller, pending, query=None, sort_by="created_at", sort_to="desc", page=1,
                          per_page=10):
    return service.listing(store, caller, pending, query, sort_by, sort_to, page, per_page), 200


def create_content_request(store, caller, body):
    return service.create(store, caller, body["content_request"]), 201


def get_content_request(store, ref):
    return service.read(store, ref), 200


def update_content_request(store, caller, ref, body):
    return service.update(store, caller, ref, body["content_request"]), 200


def delete_content_request(store, caller, ref):
    return service.delete(store, caller, ref), 200


def complete_content_request(store, token, body):
    return service.complete(store, token, body["media_files"]), 200
