from specmock.media.services import image_requests as service


def list_image_requests(store, caller, base_url, page=1, page_size=100):
    return service.collection(store, caller, f"{base_url}/api/v1/image_requests", page, page_size), 200


def create_image_request(store, caller, body):
    return service.create(store, caller, body), 200


def get_image_request(store, caller, id):  # noqa: A002 - the path parameter's name
    return service.get(store, caller, id), 200
