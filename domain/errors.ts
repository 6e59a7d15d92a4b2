/** An expected refusal of a command by the domain: returned by `decide`, not thrown. */
export class DomainRejection {
  constructor(
    readonly code: 'SessionAlreadyExists' | 'ReceiptOnTeamSession' | 'MessageNotInSession',
    readonly message: string,
  ) {}
}
