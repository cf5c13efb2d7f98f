from __future__ import annotations

import pytest
from pydantic import ValidationError

from apis import KINDS
from tests.unit.apis.bad_inputs import BAD_INPUTS, BadInput
from tests.unit.apis.good_inputs import GOOD_INPUTS, GoodInput

MODELS = {model.KIND: model for model in KINDS}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.name for case in BAD_INPUTS])
def test_bad_input_is_rejected_with_a_readable_message(case: BadInput) -> None:
    document = case.document()
    with pytest.raises(ValidationError) as error:
        MODELS[document["kind"]].model_validate(document)
    assert case.message in str(error.value)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[case.name for case in BAD_INPUTS])
def test_a_case_the_api_server_refuses_names_the_field(case: BadInput) -> None:
    assert (case.server_message is None) == (case.server_field is None)


@pytest.mark.parametrize("case", GOOD_INPUTS, ids=[case.name for case in GOOD_INPUTS])
def test_good_input_is_accepted_as_written(case: GoodInput) -> None:
    document = case.document()
    assert MODELS[document["kind"]].model_validate(document).to_dict() == document
