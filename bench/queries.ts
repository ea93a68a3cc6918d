/** The operations measured: what a portal sends most. */

/** A household of five, seven fields per member. */
export const HOUSEHOLD = `query Household($id: PersonalId!) {
  citizen(id: $id) {
    household {
      members {
        relationshipToHead
        citizen { id person { fullName dateOfBirth gender provenance { registry asOf } } }
      }
    }
  }
}`;

/** The residence form, prefilled for the head of that household by the police. */
export const PREFILL = `query Prefill($id: PersonalId!) {
  prefill(formId: "CT01", subjectId: $id) {
    formId subjectId missing attestation
    fields { key value status editable rows { cells { key value } } }
  }
}`;
