from specmock.media.services import sharing_images as service


def create_sharing_images(store, caller, sharing_id, body):
    return service.create(store, caller, sharing_id, body), 200


def get_sharing_image_file(store, sharing_image_id):
    content, media_type = service.image_file(store, sharing_image_id)
    return content, 200, {"Content-Type": media_type, "Cache-Control": "public, max-age=86400"}
