"""Validation problems: where (file, pipe), a stable ``code``, and what to change.

Codes are a contract with agents that branch on them: where Pipelex's documentation names an
error category, the code is that name; ``docs/language.md`` lists every code with its rule.
"""

from __future__ import annotations

import attrs

#: Every code the validator can report, with the one-line rule it enforces.
CODES: dict[str, str] = {
    # files and headers
    "bundle_not_found": "A path names a .mthds file, or a folder that holds some.",
    "toml_invalid": "A bundle is valid UTF-8 TOML.",
    "domain_invalid": "`domain` is present, snake_case segments joined by dots, not reserved.",
    "main_pipe_unresolved": "`main_pipe` names a pipe the bundle defines.",
    "bundle_field_invalid": "A header field has the type the format gives it.",
    # concepts
    "concept_code_invalid": "A concept code is PascalCase.",
    "native_concept_redeclared": "A bundle never declares a native concept.",
    "concept_definition_invalid": "A concept table has a description, not refines and structure.",
    "concept_field_invalid": "A structure field is a complete, coherent field blueprint.",
    "concept_refinement_cycle": "No concept refines itself, directly or not.",
    "concept_reference_invalid": "A concept reference follows the reference grammar.",
    "unknown_concept": "Every concept reference resolves.",
    "duplicate_concept": "A domain defines a concept once.",
    # pipes
    "invalid_pipe_code_syntax": "A pipe code is snake_case.",
    "invalid_input_name": "An input name is a plain snake_case name, never `_bound_`.",
    "optional_marker_invalid": "Presence markers follow their grammar.",
    "pipe_type_unknown": "`type` names a pipe type.",
    "pipe_field_missing": "A pipe has every field its type requires.",
    "pipe_field_conflict": "Mutually exclusive fields are not set together.",
    "pipe_field_invalid": "A pipe field has the type and value its pipe type allows.",
    "pipe_inputs_invalid": "An operator takes the inputs its type allows.",
    "duplicate_pipe": "A domain defines a pipe once.",
    "signature_mismatch": "A pipe's contract matches its signature's.",
    "signatures_not_allowed": "A method reaches no unimplemented signature (unless allowed).",
    "unknown_pipe": "Every pipe reference resolves.",
    "circular_dependency_error": "No controller calls itself, directly or not.",
    # templates
    "missing_input_variable": "Every variable a pipe reads is a declared input.",
    "extraneous_input_variable": "Every declared input is read.",
    "template_invalid": "A template is valid Jinja2 and follows the sigil rules.",
    "template_private_name": "A template never reads a private (`_`) field.",
    # signatures across controllers
    "input_stuff_spec_mismatch": "A value handed to an input has a compatible concept.",
    "inadequate_output_concept": "A pipe's output concept is what it produces.",
    "inadequate_output_multiplicity": "A pipe's output multiplicity is what it produces.",
    "llm_output_cannot_be_image": "A PipeLLM never outputs an image.",
    "batch_item_name_collision": "A batch's item name is distinct from its list and inputs.",
    "binding_step_invalid": "A binding step is `{ from, result }` in a sequence only.",
    "binding_path_unresolved": "A binding path walks the declared structures.",
    # optionality
    "optional_not_handled": "A maybe-absent value never escapes a non-optional boundary.",
    "optional_output_required": "A condition that can continue declares an optional output.",
    "optional_input_unguarded": "A template guards every read of an optional input.",
    "optional_branch_required_field": "A maybe-absent branch never feeds a required field.",
    # packages
    "manifest_invalid": "METHODS.toml follows the manifest format.",
    "pipe_not_exported": "A pipe of another domain of the package is exported.",
    "unresolved_package_dependency": "A cross-package reference names a loadable dependency.",
    # dry runs
    "dry_run_failed": "A valid method's dry run completes (a forced input present, …).",
    "run_failed": "A real run completes (its templates render, its constructs are complete).",
    # models
    "unknown_model": "A model reference resolves in the model deck.",
}


@attrs.frozen
class Problem:
    """One validation problem: where (file, pipe), what kind (``code``) and what to change."""

    file: str
    pipe: str | None
    code: str
    message: str

    def __attrs_post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "pipe": self.pipe, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}: pipe {self.pipe!r}" if self.pipe else self.file
        return f"{where}: [{self.code}] {self.message}"
