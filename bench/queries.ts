/** The operations measured: what a portal sends most, and the cheapest possible request. */

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

/** No citizen, no registry, no audit: what the request pipeline itself costs (token, headers, logs, metrics). */
export const PING = `query Ping { __typename }`;

export const OPERATIONS = {
  household: { name: 'Household', text: HOUSEHOLD, takesId: true },
  prefill: { name: 'Prefill', text: PREFILL, takesId: true },
  ping: { name: 'Ping', text: PING, takesId: false },
} as const;

export type QueryName = keyof typeof OPERATIONS;
