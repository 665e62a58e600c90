/** Vocabulary for the demo seed: enough variety that `q` searches and UIs look real. */

export interface CategoryWords {
  name: string;
  nouns: readonly string[];
  tags: readonly string[];
}

/** Index i is category `c${i + 1}`. */
export const CATEGORIES: readonly CategoryWords[] = [
  { name: 'Running', nouns: ['Trail Running Shoe', 'Road Running Shoe', 'Running Vest', 'Running Sock', 'Race Belt'], tags: ['running', 'trail', 'road', 'breathable'] },
  { name: 'Camping', nouns: ['Dome Tent', 'Sleeping Bag', 'Camp Stove', 'Headlamp', 'Camp Chair'], tags: ['camping', 'lightweight', 'waterproof', 'family'] },
  { name: 'Cycling', nouns: ['Bike Helmet', 'Cycling Jersey', 'Bike Light', 'Saddle Bag', 'Bike Pump'], tags: ['cycling', 'commute', 'reflective', 'road'] },
  { name: 'Climbing', nouns: ['Climbing Harness', 'Chalk Bag', 'Climbing Rope', 'Belay Device', 'Climbing Shoe'], tags: ['climbing', 'bouldering', 'alpine', 'certified'] },
  { name: 'Water Sports', nouns: ['Kayak Paddle', 'Dry Bag', 'Life Vest', 'Wetsuit', 'Snorkel Set'], tags: ['water', 'waterproof', 'summer', 'buoyant'] },
  { name: 'Winter', nouns: ['Ski Goggles', 'Insulated Jacket', 'Snow Glove', 'Wool Beanie', 'Ski Sock'], tags: ['winter', 'insulated', 'snow', 'warm'] },
  { name: 'Hiking', nouns: ['Hiking Boot', 'Trekking Pole', 'Daypack', 'Rain Shell', 'Water Filter'], tags: ['hiking', 'trail', 'lightweight', 'waterproof'] },
  { name: 'Fitness', nouns: ['Yoga Mat', 'Kettlebell', 'Resistance Band', 'Jump Rope', 'Foam Roller'], tags: ['fitness', 'home', 'strength', 'recovery'] },
];

export const FEATURES: readonly string[] = [
  'Built to last season after season',
  'Tested by our staff on real trips',
  'Light enough to forget you carry it',
  'Made with recycled materials',
  'Backed by a two-year warranty',
  'A favourite of beginners and pros alike',
];

export const FIRST_NAMES: readonly string[] = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Edsger',
  'Frances', 'Tim', 'Hedy', 'John', 'Katherine', 'Guido', 'Anita', 'Bjarne', 'Shafi', 'Donald',
];

export const LAST_NAMES: readonly string[] = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie',
  'Perlman', 'Dijkstra', 'Allen', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Johnson', 'Knuth',
];

export const WAREHOUSES: readonly string[] = ['Amsterdam DC', 'Frankfurt DC', 'Newark DC', 'Reno DC'];

/** Index r - 1 holds titles for a rating of r. */
export const REVIEW_TITLES: readonly (readonly string[])[] = [
  ['Broke within a week', 'Not as described', 'Would not buy again'],
  ['Disappointing', 'Expected more', 'Runs small'],
  ['Does the job', 'Okay for the price', 'Mixed feelings'],
  ['Very good', 'Solid choice', 'Happy with it'],
  ['Love it', 'Best purchase this year', 'Exceeded expectations'],
];

export const REVIEW_REMARKS: readonly string[] = [
  'Shipping was quick.',
  'The fit is true to size.',
  'Quality feels better than the price suggests.',
  'Customer service answered within a day.',
  'I would like more colour options.',
  'Held up well in bad weather.',
];

export const NOTIFICATION_KINDS = ['order_shipped', 'order_delivered', 'price_drop', 'review_reply', 'back_in_stock'] as const;
