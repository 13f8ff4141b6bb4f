/** English words too common to say anything about a passage; left out of the index and the queries. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its of on or so ' +
    'that the their then there these this to was were what when where which who why will with you your'
  ).split(' '),
);
