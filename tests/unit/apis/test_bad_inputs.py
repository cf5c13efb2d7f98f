from __future__ import annotations

import pytest
from pydantic import ValidationError

from apis import KINDS
from tests.unit.apis.bad_inputs import BAD_INPUTS, BadInput

MODELS = {model.KIND: model for model in KINDS}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.name for case in BAD_INPUTS])
def test_bad_input_is_rejected_with_a_readable_message(case: BadInput) -> None:
    document = case.document()
    with pytest.raises(ValidationError) as error:
        MODELS[document["kind"]].model_validate(document)
    assert case.message in str(error.value)
