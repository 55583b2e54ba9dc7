"""Rules of the pet shelter that its contract cannot state, served with
``specmock serve tests/contracts/petstore.yaml --handlers tests/contracts/shelter_handlers.py``.

A handler is a plain function named by the operationId; it takes the path, query and body
parameters by name, plus ``resources`` (the contract's generic resources) when it asks for it, and
returns ``(data, status)``. Every other operation keeps its generic behaviour."""

from specmock.problems import Conflict, NotFound


def adoptPet(petId, resources):  # noqa: N802, N803 - named as the contract names them
    pets = resources["pets"]
    pet = pets.get(petId)
    if pet is None:
        raise NotFound(f"No pet {petId}")
    if pet["status"] == "adopted":
        raise Conflict(f"{pet['name']} has been adopted already")
    pet["status"] = "adopted"
    return pets.put(pet), 200
