from connexion.lifecycle import ConnexionResponse

from specmock.services import sharing_images as service


def create_sharing_images(store, caller, sharing_id, body):
    return service.create(store, caller, sharing_id, body["image_ids[]"]), 200


def get_sharing_image_file(store, sharing_image_id):
    content, media_type = service.image_file(store, sharing_image_id)
    return ConnexionResponse(body=content, status_code=200, content_type=media_type, mimetype=media_type,
                             headers={"Cache-Control": "public, max-age=86400"})
